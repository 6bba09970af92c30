/**
 * `npm run bench:million [-- --computers 1000000] [--engine sqlite|postgres] [--pg-url URL]`
 *
 * The engine on a deployment to a million computers: this process seeds the database
 * directly (computers, one group holding them all), then a child process opens the
 * server on it (as the leader, no timer), creates a phased deployment to the group
 * (pilot 5% → broad 100%, soak 15 min, gate 90%) and runs the engine's ticks by hand:
 *
 * - the first tick: the full pass places every computer (streamed, a page at a time),
 *   then the evaluation opens the pilot;
 * - evaluation ticks: a report marked the deployment due (the counts per phase come
 *   from one aggregate query);
 * - the soak's end, 15 minutes on: the broad phase cannot open (its gate is not met);
 *   more than 10 minutes of clock have passed, so this tick is also the safety-net
 *   sweep (a full pass over the target, every computer placed already).
 *
 * Printed: seeding time, the placement tick, the evaluation ticks, the phase sizes, and
 * the child's peak RSS (the server's process: nothing of the seeding is in it).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { planSchema } from '../src/contracts/plan.js';
import { cumulativeCapacity } from '../src/domain/rollout/placement.js';
import { createServer } from '../src/server/server.js';
import { openStore } from '../src/store/db.js';
import { createRepositories } from '../src/store/repositories.js';
import { seedComputers } from './lib/fleet.js';

const phases = [
  { name: 'pilot', percent: 5 },
  { name: 'broad', percent: 100 },
];

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

type Measured = {
  placeTickMs: number;
  evaluationTickMs: number[];
  soakEndTickMs: number;
  sizes: number[];
  peakRssBytes: number;
  heapUsedAfterBytes: number;
};

/** The child: the server on the seeded database, the engine ticked by hand. */
async function child(dataDir: string, databaseUrl: string | undefined): Promise<Measured> {
  let now = Date.parse('2026-12-07T08:00:00Z');
  const server = await createServer({
    dataDir,
    databaseUrl,
    engineIntervalMs: 0,
    adminTokenFromEnv: '',
    clock: { now: () => now },
  });
  try {
    const repos = createRepositories(server.store.db);
    await repos.deployments.insert(
      {
        id: 'dep_million',
        updateIds: ['bench-million'],
        uninstallable: [],
        state: 'active',
        action: 'install',
        plan: planSchema.parse({ phases, soakSeconds: 900, gate: { minSuccessPercent: 90 } }),
        policy: null,
        createdAt: now,
        deadline: null,
      },
      ['grp_million'],
      phases.map((p) => p.name),
    );
    const timed = async (): Promise<number> => {
      const started = performance.now();
      await server.services.engine.run();
      return Math.round(performance.now() - started);
    };
    const placeTickMs = await timed(); // the leader's first tick: the full pass, then the pilot opens
    const evaluationTickMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      now += 1000;
      await repos.deployments.markDue(['dep_million'], now); // as a report would
      evaluationTickMs.push(await timed());
    }
    now += 900_000; // the soak's end: the gate (90% of the pilot) is not met
    const soakEndTickMs = await timed();
    const placed = await repos.deployments.placedPerPhase('dep_million');
    return {
      placeTickMs,
      evaluationTickMs,
      soakEndTickMs,
      sizes: phases.map((_, i) => placed.get(i) ?? 0),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      heapUsedAfterBytes: process.memoryUsage().heapUsed,
    };
  } finally {
    await server.close();
  }
}

/** Seeds `count` computers, an update and one group holding them all. */
async function seed(url: string, count: number): Promise<number> {
  const started = performance.now();
  await seedComputers(url, count, 2000);
  const store = openStore({ url });
  try {
    const now = Date.now();
    await store.db
      .insertInto('updates')
      .values({
        id: 'bench-million',
        title: 'bench',
        severity: 'low',
        classification: 'update',
        manifest: '{}',
        content_hash: '',
        created_at: now,
      })
      .execute();
    await createRepositories(store.db).groups.insert({
      id: 'grp_million',
      name: 'everyone',
      query: null,
      createdAt: now,
    });
    await sql`insert into group_members (group_id, computer_id)
              select 'grp_million', id from computers`.execute(store.db);
  } finally {
    await store.close();
  }
  return performance.now() - started;
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    const url = option('url', '');
    const result = await child(option('child', ''), url.startsWith('postgres') ? url : undefined);
    process.send?.(result);
    return;
  }
  const count = Number(option('computers', '1000000'));
  const engine = option('engine', 'sqlite');
  if (engine !== 'sqlite' && engine !== 'postgres')
    throw new Error(`--engine must be sqlite or postgres, not ${engine}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringmaster-million-'));
  let url = path.join(dataDir, 'ringmaster.db');
  let dropPg: (() => Promise<void>) | null = null;
  try {
    if (engine === 'postgres') {
      const admin = option('pg-url', 'postgres://postgres@127.0.0.1:5432/test');
      const pg = openStore({ url: admin });
      await sql`drop database if exists ringmaster_million`.execute(pg.db);
      await sql`create database ringmaster_million`.execute(pg.db);
      await pg.close();
      url = admin.replace(/\/[^/]*$/, '/ringmaster_million');
      dropPg = async () => {
        const again = openStore({ url: admin });
        await sql`drop database if exists ringmaster_million`.execute(again.db);
        await again.close();
      };
    }
    console.log(`seeding ${count.toLocaleString('en')} computers (${engine}) …`);
    const seedMs = await seed(url, count);
    console.log(`seeded in ${(seedMs / 1000).toFixed(1)} s`);
    const measured = await new Promise<Measured>((resolve, reject) => {
      const proc = fork(fileURLToPath(import.meta.url), ['--child', dataDir, '--url', url], {
        stdio: 'inherit',
      });
      proc.once('message', (m) => resolve(m as Measured));
      proc.once('exit', (code) => {
        if (code !== 0) reject(new Error(`the measuring process exited with ${code}`));
      });
    });
    const expectedPilot = cumulativeCapacity(5, count);
    const ok = measured.sizes[0] === expectedPilot && measured.sizes[1] === count - expectedPilot;
    const mb = (b: number): string => `${Math.round(b / 1048576)} MB`;
    console.log(
      [
        `${count.toLocaleString('en')} computers on ${engine}:`,
        `  placement tick (full pass + pilot opens): ${(measured.placeTickMs / 1000).toFixed(1)} s`,
        `  evaluation ticks (deployment due, counts per phase): ${measured.evaluationTickMs.join(', ')} ms`,
        `  the soak's end, with the safety-net sweep (a full pass, all placed): ${measured.soakEndTickMs} ms`,
        `  phases: ${measured.sizes.join(' / ')} ${ok ? '(as the rule says)' : `(expected ${expectedPilot} / ${count - expectedPilot})`}`,
        `  server peak RSS: ${mb(measured.peakRssBytes)} (target ≤ 1 GB); heap after: ${mb(measured.heapUsedAfterBytes)}`,
      ].join('\n'),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await dropPg?.();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
