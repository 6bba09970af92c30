/**
 * `npm run bench:overload [-- --computers 3000] [--seconds 10] [--reporters 300]
 *  [--capacity N] [--factor 3] [--admit-share 0.7] [--connections 256]
 *  [--max-in-flight 3000] [--target-lag 20] [--fixed-rate] [--max-lag MS] [--no-rate]
 *  [--no-pin] [--no-scrape] [--cpu-prof DIR]`
 *
 * Overload: a server process on a fresh SQLite database with `--computers` seeded
 * computers. First its check-in capacity is measured (closed loop, 64 at a time, 3 s;
 * or given with `--capacity`). Then a server is started with `--retry-after 1` (so the
 * run stays short) and the rate rule at `--admit-share` of that capacity for check-ins
 * and a tenth of it for reports, as ceilings of rates that fall while the event loop lags
 * past `--target-lag` ms (`--fixed-rate`: fixed rates; `--no-rate`: no rate rule at all;
 * `--max-lag`: the lag rule too), and is sent idle check-ins
 * open-loop at `--factor` × the capacity for `--seconds`, over at most `--connections`
 * connections and `--max-in-flight` outstanding requests. Each time is taken from the
 * moment the request was due to be sent (no coordinated omission). Meanwhile
 * `--reporters` computers each send one report batch and, like the agent, send it
 * again after Retry-After plus jitter until it is taken.
 *
 * With `taskset` (util-linux) the server runs on CPU 0 and this load process on CPU 1
 * (`--no-pin`: both anywhere), the nearest thing to a second machine here; the output
 * says how late the load process sent (so whether it kept up with the offered rate).
 * Prints the share shed, the time to the shed answer (p99), the p99 of what was served,
 * and whether every report was applied, then the same second by second (by when each
 * check-in was due) beside the server's CPU share, how long its event loop waited for a
 * CPU taken by other work (from /proc/<pid>/schedstat), and its event-loop delay in that
 * second (scraped from /metrics once a second; `--no-scrape`: not scraped). `--cpu-prof DIR`: a
 * V8 CPU profile of the loaded server is written into DIR when it stops. Bounded: the
 * load stops after `--seconds`, the retries 60 s later.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createApiClient } from '../src/client/api-client.js';
import { RETRY_AFTER_JITTER } from '../src/agent/runner.js';
import { agentUserAgent, checkinBody, computerId, credential, seedComputers } from './lib/fleet.js';
import { importBenchUpdate } from './lib/scenario-server.js';
import { loopDelayOf, perSecond, type ServerSecond, type TimedAnswer } from './lib/per-second.js';
import {
  procCpuMs,
  procRunQueueWaitMs,
  startServer,
  type BenchServer,
} from './lib/server-process.js';
import { summarize } from './lib/stats.js';

function option(name: string, fallback: number | null): number | null {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
  return value;
}
const required = (name: string, fallback: number): number => option(name, fallback) ?? fallback;

const computers = required('computers', 3000);
const seconds = required('seconds', 10);
const reporters = Math.min(required('reporters', 300), computers);
const givenCapacity = option('capacity', null);
const factor = required('factor', 3);
const admitShare = required('admit-share', 0.7);
const connections = required('connections', 256);
const maxInFlight = required('max-in-flight', 3000);
const maxLag = option('max-lag', null);
const targetLag = option('target-lag', 20);
const adaptive = !process.argv.includes('--fixed-rate');
const withRate = !process.argv.includes('--no-rate');
const pin = !process.argv.includes('--no-pin') && hasTaskset();
const scrape = !process.argv.includes('--no-scrape');
const cpuProfileAt = process.argv.indexOf('--cpu-prof');
const cpuProfileDir = cpuProfileAt < 0 ? null : path.resolve(process.argv[cpuProfileAt + 1] ?? '.');
const UPDATE = 'bench-overload';

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return os.cpus().length >= 2;
  } catch {
    return false;
  }
}

type Answer = { status: number; ms: number; retryAfter: number | null; ackedSeq?: number };

/** One POST; its time runs from `due` (when it was meant to be sent), not from when it was. */
async function post(
  pool: Pool,
  url: string,
  i: number,
  body: string,
  due = performance.now(),
): Promise<Answer> {
  try {
    const res = await pool.request({
      method: 'POST',
      path: url,
      headers: {
        'content-type': 'application/json',
        'user-agent': agentUserAgent,
        authorization: `Bearer ${credential(i)}`,
      },
      body,
    });
    const text = await res.body.text();
    const ms = performance.now() - due;
    const header = res.headers['retry-after'];
    const retryAfter = typeof header === 'string' ? Number(header) : null;
    const ackedSeq =
      res.statusCode === 200 ? (JSON.parse(text) as { ackedSeq?: number }).ackedSeq : undefined;
    return {
      status: res.statusCode,
      ms,
      retryAfter,
      ...(ackedSeq === undefined ? {} : { ackedSeq }),
    };
  } catch {
    return { status: 0, ms: performance.now() - due, retryAfter: null };
  }
}

const checkin = (pool: Pool, i: number, due?: number) =>
  post(pool, `/agent/v1/computers/${computerId(i)}/checkin`, i, checkinBody(i), due);

const reportBody = (seq: number) =>
  JSON.stringify({
    reports: [
      {
        seq,
        updateId: UPDATE,
        deploymentId: null,
        state: 'installed',
        exitCode: 0,
        at: new Date().toISOString(),
      },
    ],
  });

/** One agent's report batch: sent until taken, waiting as Retry-After says. */
async function reportUntilTaken(pool: Pool, i: number, shedCount: { n: number }): Promise<boolean> {
  const deadline = performance.now() + seconds * 1000 + 60_000;
  while (performance.now() < deadline) {
    const answer = await post(
      pool,
      `/agent/v1/computers/${computerId(i)}/reports`,
      i,
      reportBody(1),
    );
    if (answer.status === 200) return (answer.ackedSeq ?? 0) >= 1;
    shedCount.n += answer.status === 503 || answer.status === 429 ? 1 : 0;
    const wait = (answer.retryAfter ?? 1) * (1 + RETRY_AFTER_JITTER * Math.random());
    await sleep(wait * 1000);
  }
  return false;
}

/** Check-ins served per second with `concurrency` always outstanding (after 1 s warm-up). */
async function measureCapacity(origin: string, concurrency: number, ms: number): Promise<number> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  try {
    let served = 0;
    let counting = false;
    const end = performance.now() + 1000 + ms;
    let next = 0;
    const loop = async (): Promise<void> => {
      while (performance.now() < end) {
        const answer = await checkin(pool, next++ % computers);
        if (counting && answer.status === 200) served++;
      }
    };
    const loops = Array.from({ length: concurrency }, loop);
    await sleep(1000);
    counting = true;
    const from = performance.now();
    await Promise.all(loops);
    return Math.round((served / (performance.now() - from)) * 1000);
  } finally {
    await pool.close();
  }
}

/**
 * Once a second for `seconds`: the server's CPU share in that second and (unless
 * `--no-scrape`) its event-loop delay since the last scrape, read from /metrics.
 */
async function sampleServer(
  server: BenchServer,
  adminToken: string,
  seconds: number,
  into: ServerSecond[],
): Promise<void> {
  const read = async () => {
    if (!scrape) return null;
    const res = await fetch(`${server.origin}/metrics`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    return res.ok ? loopDelayOf(await res.text()) : null;
  };
  const start = performance.now();
  await read(); // starts the first second's window
  let cpuBefore = procCpuMs(server.pid);
  let waitedBefore = procRunQueueWaitMs(server.pid);
  for (let second = 1; second <= seconds; second++) {
    await sleep(Math.max(0, start + second * 1000 - performance.now()));
    const cpuNow = procCpuMs(server.pid);
    const waitedNow = procRunQueueWaitMs(server.pid);
    const delay = await read().catch(() => null);
    into.push({
      cpuShare:
        cpuNow === null || cpuBefore === null ? null : Math.round((cpuNow - cpuBefore) / 10) / 100,
      waitedForCpuMs:
        waitedNow === null || waitedBefore === null ? null : Math.round(waitedNow - waitedBefore),
      loopDelayP99Ms: delay?.p99Ms ?? null,
      loopDelayMaxMs: delay?.maxMs ?? null,
    });
    cpuBefore = cpuNow;
    waitedBefore = waitedNow;
  }
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringmaster-overload-'));
  const adminToken = `rm_admin_bench-${randomBytes(8).toString('hex')}`;
  // The load process on CPU 1 (every thread of it), the server on CPU 0.
  if (pin) execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const cpus = pin ? { cpus: '0' } : {};
  const cliEntry = path.join(root, 'dist/cli/main.js');
  await seedComputers(path.join(dataDir, 'ringmaster.db'), computers);
  let server: BenchServer | null = null;
  try {
    let capacity = givenCapacity;
    if (capacity === null) {
      server = await startServer({ cliEntry, dataDir, adminToken, ...cpus });
      capacity = await measureCapacity(server.origin, 64, 3000);
      await server.stop();
      server = null;
    }
    const checkinRate = Math.max(1, Math.round(capacity * admitShare));
    const reportRate = Math.max(1, Math.round(capacity / 10));
    const rate = Math.round(capacity * factor);
    server = await startServer({
      cliEntry,
      dataDir,
      adminToken,
      ...cpus,
      ...(cpuProfileDir ? { cpuProfileDir } : {}),
      extraArgs: [
        '--retry-after',
        '1',
        ...(maxLag === null ? [] : ['--max-lag', String(maxLag)]),
        ...(withRate
          ? [
              '--checkin-rate',
              String(checkinRate),
              '--report-rate',
              String(reportRate),
              ...(adaptive ? ['--rate-target-lag', String(targetLag)] : []),
            ]
          : []),
      ],
    });
    const pool = new Pool(server.origin, { connections, pipelining: 1 });
    try {
      const api = createApiClient({ url: server.origin, token: adminToken });
      await importBenchUpdate(api, dataDir, UPDATE);

      const checkins: (Answer & TimedAnswer)[] = [];
      const pending = new Set<Promise<void>>();
      const lateness: number[] = [];
      let notSent = 0;
      const reportsShed = { n: 0 };
      const reported = Array.from({ length: reporters }, (_, k) =>
        reportUntilTaken(pool, computers - 1 - k, reportsShed),
      );

      const cpu0 = process.cpuUsage();
      const started = performance.now();
      const serverSeconds: ServerSecond[] = [];
      const sampling = sampleServer(server, adminToken, seconds, serverSeconds);
      const total = Math.floor(rate * seconds);
      let sent = 0;
      while (sent < total) {
        const now = performance.now();
        const due = Math.min(total, Math.floor(((now - started) / 1000) * rate) + 1);
        for (; sent < due; sent++) {
          const intended = started + (sent * 1000) / rate;
          lateness.push(now - intended);
          if (pending.size >= maxInFlight) {
            notSent++;
            continue;
          }
          const second = Math.floor(sent / rate);
          const p = checkin(pool, sent % computers, intended).then((a) => {
            checkins.push({ ...a, second });
            pending.delete(p);
          });
          pending.add(p);
        }
        await sleep(1);
      }
      const sendingMs = performance.now() - started;
      await Promise.all(pending);
      const cpu = process.cpuUsage(cpu0);
      await sampling;
      const applied = (await Promise.all(reported)).filter(Boolean).length;

      const served = checkins.filter((a) => a.status === 200);
      const shed = checkins.filter((a) => a.status === 503 || a.status === 429);
      const result = {
        computers,
        pinned: pin ? { server: 'cpu 0', load: 'cpu 1' } : false,
        loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10),
        measuredCapacityPerSecond: capacity,
        rule: withRate
          ? { checkinRate, reportRate, targetLagMs: adaptive ? targetLag : null, maxLagMs: maxLag }
          : { checkinRate: null, reportRate: null, targetLagMs: null, maxLagMs: maxLag },
        offeredPerSecond: rate,
        seconds,
        connections,
        load: {
          sentPerSecond: Math.round(((sent - notSent) / sendingMs) * 1000),
          // How late the load process sent after each request's due time: small means it
          // kept up with the offered rate (it outran the server).
          sendLateness: summarize(lateness),
          cpuShare: Math.round(((cpu.user + cpu.system) / 1000 / sendingMs) * 100) / 100,
        },
        checkins: {
          sent: checkins.length,
          notSentClientLimit: notSent,
          served: served.length,
          shed: shed.length,
          shedWithRetryAfter: shed.filter((a) => a.retryAfter !== null).length,
          errors: checkins.length - served.length - shed.length,
          shareShed: Math.round((shed.length / Math.max(1, checkins.length)) * 1000) / 1000,
          servedPerSecond: Math.round(served.length / seconds),
          servedLatency: summarize(served.map((a) => a.ms)),
          // The same without the first second, while the server just started runs cold.
          servedLatencyAfterFirstSecond: summarize(
            served.filter((a) => a.second > 0).map((a) => a.ms),
          ),
          shedLatency: summarize(shed.map((a) => a.ms)),
        },
        reports: { batches: reporters, timesShed: reportsShed.n, applied },
        perSecond: perSecond(checkins, seconds, serverSeconds),
      };
      console.log(JSON.stringify(result, null, 2));
      console.log(
        `capacity ${capacity}/s, offered ${rate}/s (load process sent ${result.load.sentPerSecond}/s, ` +
          `p99 ${result.load.sendLateness.p99Ms} ms late): ` +
          `shed ${(result.checkins.shareShed * 100).toFixed(1)}% of ${checkins.length} check-ins` +
          ` (p99 to the 503: ${result.checkins.shedLatency.p99Ms} ms);` +
          ` served ${served.length} at p99 ${result.checkins.servedLatency.p99Ms} ms` +
          ` (${result.checkins.servedLatencyAfterFirstSecond.p99Ms} ms after the first second);` +
          ` reports shed ${reportsShed.n} times, applied ${applied}/${reporters}`,
      );
      for (const row of result.perSecond) {
        console.log(
          `  second ${row.second}: served ${row.served} (p99 ${row.servedP99Ms ?? '-'} ms),` +
            ` shed ${row.shed} (p99 ${row.shedP99Ms ?? '-'} ms); server CPU ${row.cpuShare ?? '-'}` +
            ` (waited ${row.waitedForCpuMs ?? '-'} ms for one),` +
            ` loop delay p99 ${row.loopDelayP99Ms ?? '-'} / max ${row.loopDelayMaxMs ?? '-'} ms`,
        );
      }
    } finally {
      await pool.close();
    }
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
