/**
 * `npm run bench:overload [-- --computers 3000] [--rate 6000] [--seconds 10]
 *  [--reporters 300] [--max-in-flight 3000]`
 *
 * Overload: a server process on a fresh SQLite database with `--computers` seeded
 * computers, its default shedding limits and `--retry-after 1` (so the run stays short),
 * is sent idle check-ins open-loop at `--rate` per second (default 3× the measured
 * check-in capacity on 2 cores, 2,000/s; see docs/performance.md) over loopback for
 * `--seconds`, with at most `--max-in-flight` outstanding. Meanwhile `--reporters`
 * computers each send one report batch and, like the agent, send it again after
 * Retry-After plus jitter until it is taken. Prints the share shed, the time to the shed
 * answer (p99), the p99 of what was served, and whether every report was applied.
 * Bounded in count and time: the load stops after `--seconds`, the retries after 60 s.
 */
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
import { startServer } from './lib/server-process.js';
import { summarize } from './lib/stats.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
  return value;
}

const computers = option('computers', 3000);
const rate = option('rate', 6000);
const seconds = option('seconds', 10);
const reporters = Math.min(option('reporters', 300), computers);
const maxInFlight = option('max-in-flight', 3000);
const UPDATE = 'bench-overload';

type Answer = { status: number; ms: number; retryAfter: number | null; ackedSeq?: number };

async function post(pool: Pool, url: string, i: number, body: string): Promise<Answer> {
  const started = performance.now();
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
    const ms = performance.now() - started;
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
    return { status: 0, ms: performance.now() - started, retryAfter: null };
  }
}

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
    shedCount.n += answer.status === 503 ? 1 : 0;
    const wait = (answer.retryAfter ?? 1) * (1 + RETRY_AFTER_JITTER * Math.random());
    await sleep(wait * 1000);
  }
  return false;
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringmaster-overload-'));
  const adminToken = `rm_admin_bench-${randomBytes(8).toString('hex')}`;
  await seedComputers(path.join(dataDir, 'ringmaster.db'), computers);
  const server = await startServer({
    cliEntry: path.join(root, 'dist/cli/main.js'),
    dataDir,
    adminToken,
    extraArgs: ['--retry-after', '1', '--max-lag', '100'],
  });
  const pool = new Pool(server.origin, { connections: maxInFlight, pipelining: 1 });
  try {
    const api = createApiClient({ url: server.origin, token: adminToken });
    await importBenchUpdate(api, dataDir, UPDATE);

    const checkins: Answer[] = [];
    const pending = new Set<Promise<void>>();
    let notSent = 0;
    const reportsShed = { n: 0 };
    const reported = Array.from({ length: reporters }, (_, k) =>
      reportUntilTaken(pool, computers - 1 - k, reportsShed),
    );

    const started = performance.now();
    let sent = 0;
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; sent < due; sent++) {
        if (pending.size >= maxInFlight) {
          notSent++;
          continue;
        }
        const i = sent % computers;
        const p = post(
          pool,
          `/agent/v1/computers/${computerId(i)}/checkin`,
          i,
          checkinBody(i),
        ).then((a) => {
          checkins.push(a);
          pending.delete(p);
        });
        pending.add(p);
      }
      await sleep(5);
    }
    await Promise.all(pending);
    const applied = (await Promise.all(reported)).filter(Boolean).length;

    const served = checkins.filter((a) => a.status === 200);
    const shed = checkins.filter((a) => a.status === 503 || a.status === 429);
    const result = {
      computers,
      offeredPerSecond: rate,
      seconds,
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
        shedLatency: summarize(shed.map((a) => a.ms)),
      },
      reports: { batches: reporters, timesShed: reportsShed.n, applied },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `shed ${(result.checkins.shareShed * 100).toFixed(1)}% of ${checkins.length} check-ins` +
        ` (p99 to the 503: ${result.checkins.shedLatency.p99Ms} ms);` +
        ` served ${served.length} at p99 ${result.checkins.servedLatency.p99Ms} ms;` +
        ` reports shed ${reportsShed.n} times, applied ${applied}/${reporters}`,
    );
  } finally {
    await pool.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
