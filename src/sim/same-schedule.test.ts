import { describe, expect, it } from 'vitest';
import type { CheckinRequest } from '../contracts/agent-protocol.js';
import { AgentCore } from '../agent/core/agent-core.js';
import { FakeHost, installer } from '../agent/agent-core.test-support.js';
import { ServerCallError, type ServerClient } from '../agent/core/server-client.js';
import { initialRunnerState, runLoop, type Waiter } from '../agent/runner.js';
import { TestSigner } from '../agent/trust.test-support.js';
import { nodeTrustCrypto } from '../agent/trust-crypto.js';
import { createComputers, Lifecycle, random } from './lifecycle.js';
import type { FleetOptions } from './options.js';
import { ManifestIndex } from './sim-host.js';

/** What the scripted server answers, call by call. */
type Answer =
  | { ok: number }
  | { unreachable: true }
  | { status: number; code: string }
  | { refuseEnroll: true };

const T0 = Date.parse('2026-03-02T08:00:00Z');

/**
 * The same answers in the same order, whoever asks, signed as the server signs them; it
 * notes when each check-in came (virtual ms since T0).
 */
class ScriptedServer implements ServerClient {
  readonly checkins: number[] = [];
  private next = 0;
  private readonly signer: TestSigner;
  constructor(
    private readonly script: readonly Answer[],
    private readonly now: () => number,
  ) {
    this.signer = new TestSigner(now);
  }

  get done(): boolean {
    return this.next >= this.script.length;
  }

  enroll() {
    const answer = this.script[this.next];
    if (answer && 'refuseEnroll' in answer) {
      this.next++;
      throw new ServerCallError('enrollment token refused (HTTP 403)', 403, 'forbidden');
    }
    return Promise.resolve({ computerId: 'c-1', credential: 'secret', root: this.signer.root });
  }

  checkin(_auth: unknown, _request: CheckinRequest) {
    this.checkins.push(this.now() - T0);
    const answer = this.script[this.next++] ?? { ok: 3600 };
    if ('unreachable' in answer) throw new ServerCallError('ECONNREFUSED', null, 'ECONNREFUSED');
    if ('status' in answer) throw new ServerCallError(answer.code, answer.status, answer.code);
    if ('refuseEnroll' in answer) {
      // The credential is refused: the next cycle enrolls again, and is refused too.
      this.next--;
      throw new ServerCallError('unknown credential (HTTP 401)', 401, 'unauthorized');
    }
    return Promise.resolve({
      computerId: 'c-1',
      assignments: [],
      nextCheckinSeconds: answer.ok,
      ackedSeq: 0,
      metadata: this.signer.sign('c-1', []),
    });
  }

  reports() {
    return Promise.resolve({ ackedSeq: 0 });
  }

  download(): Promise<void> {
    throw new Error('no downloads here');
  }
}

const SCRIPT: Answer[] = [
  { unreachable: true },
  { unreachable: true },
  { status: 503, code: 'unavailable' },
  { ok: 120 },
  { ok: 120 },
  { status: 400, code: 'invalid' },
  { status: 400, code: 'invalid' },
  { unreachable: true },
  { ok: 900 },
  { status: 500, code: 'internal' },
  { refuseEnroll: true },
];

/** The CLI agent's loop (`runLoop`, as `ringmaster agent` runs it) on a virtual clock. */
async function cliSchedule(seedRandom: () => number): Promise<number[]> {
  let clock = T0;
  const server = new ScriptedServer(SCRIPT, () => clock);
  const core = new AgentCore({
    host: new FakeHost(),
    installer,
    client: server,
    enrollmentToken: 'enroll-me',
    now: () => new Date(clock),
    verifier: nodeTrustCrypto(),
  });
  const waiter: Waiter = {
    stopped: false,
    nudged: false,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
  };
  const fatal = await runLoop(
    { core, state: initialRunnerState(), now: () => clock, random: seedRandom },
    waiter,
    () => undefined,
  );
  expect(fatal).toMatch(/refused/);
  return server.checkins;
}

/** The simulator's path: one computer's wakes through Lifecycle, on its virtual clock. */
async function simSchedule(): Promise<{ checkins: number[]; jitter: () => number }> {
  let clock = T0;
  const server = new ScriptedServer(SCRIPT, () => clock);
  const options: FleetOptions = {
    client: server,
    enrollmentToken: 'enroll-me',
    agents: 1,
    seed: 7,
    sites: [],
    faults: [],
    installSeconds: 60,
    horizonSeconds: 86_400,
    rampSeconds: 0,
    concurrency: 1,
    clock: { now: () => clock },
    timeScale: 1,
  };
  const [computer] = createComputers(options, [null], T0);
  if (!computer) throw new Error('no computer');
  // The CLI run draws its jitter from a copy of this computer's PRNG.
  const copy = { ...computer, rng: computer.rng };
  const jitter = () => random(copy as typeof computer);
  const lifecycle = new Lifecycle({
    options,
    startMs: T0,
    ctx: {
      index: new ManifestIndex(),
      now: () => clock,
      sleep: () => Promise.reject(new Error('nothing sleeps here')),
      installMs: () => 0,
      approvalMs: () => 0,
      agentVersion: 'sim',
    },
    counters: {
      enrolls: 0,
      checkins: 0,
      reportCalls: 0,
      reports: {},
      downloads: 0,
      unreachable: 0,
      absences: 0,
    },
    seen: new Uint8Array(1),
    channel: null,
    stopping: () => false,
    error: () => undefined,
  });
  for (let wakes = 0; wakes < 100; wakes++) {
    const next = await lifecycle.runOne(computer);
    if (!Number.isFinite(next)) return { checkins: server.checkins, jitter };
    clock = next;
  }
  throw new Error('the simulated agent never stopped');
}

describe('one runner for the CLI agent and the simulator', () => {
  it('checks in at the same virtual times for the same answers and failures', async () => {
    const sim = await simSchedule();
    const cli = await cliSchedule(sim.jitter);
    expect(cli).toEqual(sim.checkins);
    expect(cli).toHaveLength(SCRIPT.length);
    // The pace itself: backoff 5 s, 10 s, 20 s (±20%) before the first answer; the
    // server's 120 s; after a 400 the backoff starts again at 5 s, capped at the interval.
    const gaps = cli.slice(1).map((t, i) => (t - (cli[i] ?? 0)) / 1000);
    const bands: [number, number][] = [
      [4, 6],
      [8, 12],
      [16, 24],
      [96, 144],
      [96, 144],
      [4, 6],
      [8, 12],
      [16, 24],
      [720, 1080],
      [4, 6],
    ];
    gaps.forEach((gap, i) => {
      const [low, high] = bands[i] ?? [0, 0];
      expect(gap, `gap ${i}`).toBeGreaterThanOrEqual(low);
      expect(gap, `gap ${i}`).toBeLessThanOrEqual(high);
    });
  });
});
