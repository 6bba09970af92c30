/**
 * `npm run bench:crash [-- --engine postgres|sqlite] [--agents 500] [--kills 10] [--seed 1]`
 *
 * Crash safety, measured: a simulated fleet enrolls and runs a phased rollout while the
 * server is killed with SIGKILL again and again (at seeded random moments, on the same
 * port, the agents retrying as they would). When every computer is installed, it counts
 * what must be zero: false re-images, token uses beyond one per computer, computers
 * whose install did not reach the server (lost), and computers that ran an install
 * more than once (double installs). Prints the figures as JSON; exits 1 if any is wrong.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createApiClient, type ApiClient } from '../src/client/api-client.js';
import { allItems } from '../src/client/paging.js';
import { importBenchUpdate } from './lib/scenario-server.js';
import { startServer, type BenchServer } from './lib/server-process.js';
import { SimProcess } from './lib/sim-procs.js';
import { waitFor } from './lib/wait.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cliEntry = path.resolve(here, '../../dist/cli/main.js');
const simWorker = path.resolve(here, 'sim-worker.js');

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const engine = option('engine', 'postgres');
const agents = Number(option('agents', '500'));
const kills = Number(option('kills', '10'));
const seed = Number(option('seed', '1'));
const pgUrl =
  process.env.RINGMASTER_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** mulberry32: the kill moments are the same for the same seed. */
function random(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function database(dataDir: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (engine === 'sqlite') {
    return { url: path.join(dataDir, 'ringmaster.db'), drop: () => Promise.resolve() };
  }
  const name = `ringmaster_crash_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

const exited = (server: BenchServer) =>
  server.child.exitCode !== null || server.child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => server.child.once('exit', () => resolve()));

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `ringmaster-crash-${engine}-`));
  const db = await database(dataDir);
  const adminToken = `rm_admin_crash-${randomBytes(8).toString('hex')}`;
  const start = (port?: number) =>
    startServer({
      cliEntry,
      dataDir,
      databaseUrl: db.url,
      adminToken,
      extraArgs: ['--checkin-interval', '10'],
      ...(port === undefined ? {} : { port }),
    });
  let server = await start();
  const sim = await SimProcess.fork(simWorker);
  const next = random(seed);
  try {
    const api: ApiClient = createApiClient({ url: server.origin, token: adminToken });
    await importBenchUpdate(api, dataDir, 'BENCH-CRASH');
    await api.createGroup({ name: 'everyone', query: 'os = "linux"' });
    const token = await api.createEnrollment({ expiresInSeconds: 86_400 });
    // The deployment exists before the fleet: enrollment, placement, assignments and
    // reports all happen while the server is being killed.
    const deployment = await api.createDeployment({
      update: 'BENCH-CRASH',
      group: 'everyone',
      plan: {
        phases: [
          { name: 'pilot', percent: 10 },
          { name: 'broad', percent: 100 },
        ],
        gate: { minSuccessPercent: 90 },
        soakSeconds: 0,
      },
    });
    await sim.start({
      serverUrl: server.origin,
      enrollmentToken: token.token ?? '',
      agents,
      seed,
      faults: '',
      installSeconds: 4,
      timeScale: 1,
      horizonSeconds: 3600,
      rampSeconds: 20,
      concurrency: 128,
      connections: 32,
      hostnamePrefix: 'crash',
      push: true,
    });
    const startedAt = Date.now();
    for (let kill = 0; kill < kills; kill += 1) {
      await new Promise((r) => setTimeout(r, 1500 + next() * 4000));
      server.child.kill('SIGKILL');
      await exited(server);
      server = await start(server.port);
      process.stdout.write(`kill ${kill + 1}/${kills} at ${Date.now() - startedAt} ms\n`);
    }
    const live = createApiClient({ url: server.origin, token: adminToken });
    await waitFor(
      `all ${agents} computers installed`,
      async () => {
        const d = await live.getDeployment(deployment.id);
        return (d.counts.installed ?? 0) >= agents && d;
      },
      5 * 60_000,
      1000,
    ).catch(async (error: unknown) => {
      // Say where it stopped: the deployment, the fleet, and the server's last words.
      const d = await live.getDeployment(deployment.id);
      const stats = await sim.stats();
      const log = readFileSync(server.logFile, 'utf8').split('\n').slice(-30).join('\n');
      process.stdout.write(`${JSON.stringify({ deployment: d, sim: stats }, null, 2)}\n${log}\n`);
      throw error;
    });
    const computers = await allItems((cursor) => live.listComputers({ cursor, limit: 500 }));
    const enrollments = await allItems((cursor) => live.listEnrollments({ cursor, limit: 500 }));
    const reimages = await allItems((cursor) => live.listReimageRequests({ cursor, limit: 500 }));
    const targets = await allItems((cursor) =>
      live.listDeploymentComputers(deployment.id, { cursor, limit: 500 }),
    );
    const runs = await sim.runs();
    const installedOnServer = new Set(
      targets.filter((c) => c.state === 'installed').map((c) => c.hostname),
    );
    const result = {
      engine,
      agents,
      kills,
      seed,
      secondsToAllInstalled: Math.round((Date.now() - startedAt) / 100) / 10,
      computers: computers.length,
      falseReimages: computers.filter((c) => c.reimageCount > 0).length + reimages.length,
      tokenUses: enrollments.find((e) => e.id === token.id)?.uses ?? null,
      lost: runs.filter((r) => r.installRuns > 0 && !installedOnServer.has(r.hostname)).length,
      doubleInstalls: runs.filter((r) => r.installRuns > 1).length,
      neverInstalled: runs.filter((r) => r.installRuns === 0).length,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const ok =
      result.computers === agents &&
      result.falseReimages === 0 &&
      result.tokenUses === agents &&
      result.lost === 0 &&
      result.doubleInstalls === 0 &&
      result.neverInstalled === 0;
    if (!ok) process.exitCode = 1;
  } finally {
    await sim.stop().catch(() => undefined);
    sim.child.kill('SIGKILL');
    await server.stop();
    await db.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
