/**
 * A load generator process (forked by bench/run.ts): runs one step at a time against the
 * server with an undici Pool and answers with the raw latencies.
 */
import { Pool } from 'undici';
import { checkinRequest } from './lib/fleet.js';
import { learnAnswerTags } from './lib/idle-tags.js';
import {
  idleCheckinBody,
  type OrchestratorMessage,
  type RunCommand,
  type RunResult,
  type WorkerMessage,
} from './lib/protocol.js';

const pools = new Map<string, Pool>();
/** Per server and fleet size: each computer's idle answer tag, learnt before the first run. */
const tagsFor = new Map<string, Promise<string[]>>();

function poolFor(origin: string, connections: number): Pool {
  const key = `${origin}#${connections}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new Pool(origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    pools.set(key, pool);
  }
  return pool;
}

/** xorshift32: deterministic, cheap random computer picks. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

type Counters = Omit<RunResult, 'type' | 'id' | 'elapsedMs' | 'cpuMs'> & {
  inFlight: number;
  lastDone: number;
};

async function run(cmd: RunCommand): Promise<RunResult> {
  const pool = poolFor(cmd.origin, cmd.connections);
  const pick = random(cmd.seed);
  // Every computer checks in once with its whole inventory before any timed check-in:
  // what follows is what an idle agent sends (the first run, the warm-up, pays for it).
  let tags: string[] = [];
  if (cmd.target === 'checkin') {
    const key = `${cmd.origin}#${cmd.computers}`;
    let learnt = tagsFor.get(key);
    if (!learnt) {
      learnt = learnAnswerTags(pool, cmd.computers);
      tagsFor.set(key, learnt);
    }
    tags = await learnt;
  }
  const c: Counters = {
    scheduled: 0,
    ok: 0,
    statuses: {},
    failures: 0,
    dropped: 0,
    unfinished: 0,
    latenciesMs: [],
    firstError: null,
    inFlight: 0,
    lastDone: 0,
  };

  const send = async (scheduledAt: number): Promise<void> => {
    c.inFlight++;
    try {
      let res;
      if (cmd.target === 'healthz') {
        res = await pool.request({ method: 'GET', path: '/healthz' });
      } else {
        const i = Math.floor(pick() * cmd.computers);
        res = await pool.request(
          checkinRequest(i, idleCheckinBody(i, tags[i] ?? '', new Date().toISOString())),
        );
      }
      const text = await res.body.text();
      const done = performance.now();
      c.lastDone = done;
      // 204: the idle answer the agent holds still stands.
      if (res.statusCode >= 200 && res.statusCode < 300) {
        c.ok++;
        c.latenciesMs.push(done - scheduledAt);
      } else {
        c.statuses[res.statusCode] = (c.statuses[res.statusCode] ?? 0) + 1;
        c.firstError ??= `HTTP ${res.statusCode}: ${text.slice(0, 200)}`;
      }
    } catch (error) {
      c.failures++;
      c.lastDone = performance.now();
      c.firstError ??= error instanceof Error ? error.message : String(error);
    } finally {
      c.inFlight--;
    }
  };

  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + cmd.durationMs;

  if (cmd.mode === 'open') {
    const interval = 1000 / cmd.rate;
    const total = Math.max(1, Math.floor((cmd.rate * cmd.durationMs) / 1000));
    let next = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
        while (next < due) {
          const scheduledAt = start + next * interval;
          next++;
          c.scheduled++;
          if (c.inFlight >= cmd.maxInFlight) c.dropped++;
          else void send(scheduledAt);
        }
        if (next >= total) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
  } else {
    const loop = async (): Promise<void> => {
      while (performance.now() < end) {
        c.scheduled++;
        await send(performance.now());
      }
    };
    await Promise.all(Array.from({ length: cmd.concurrency }, loop));
  }

  const drainDeadline = Math.max(end, performance.now()) + cmd.drainMs;
  while (c.inFlight > 0 && performance.now() < drainDeadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  c.unfinished = c.inFlight;
  const cpu = process.cpuUsage(cpu0);
  const elapsedMs =
    c.unfinished > 0 ? performance.now() - start : Math.max(cmd.durationMs, c.lastDone - start);
  return {
    type: 'result',
    id: cmd.id,
    scheduled: c.scheduled,
    ok: c.ok,
    statuses: c.statuses,
    failures: c.failures,
    dropped: c.dropped,
    unfinished: c.unfinished,
    latenciesMs: c.latenciesMs,
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    firstError: c.firstError,
  };
}

function reply(message: WorkerMessage): void {
  process.send?.(message);
}

process.on('message', (message: OrchestratorMessage) => {
  if (message.type === 'exit') {
    void Promise.all([...pools.values()].map((p) => p.destroy())).finally(() => process.exit(0));
    return;
  }
  run(message).then(reply, (error: unknown) =>
    reply({
      type: 'error',
      id: message.id,
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
});
// The orchestrator going away ends us too: no orphan load.
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
