/**
 * `npm run bench:lists [-- --computers 100000] [--catalog 2000] [--engine sqlite|postgres|both] [--samples 200]`
 *
 * The paged lists at fleet size: a fresh database per engine is seeded with
 * `--computers` computers directly through the store (a tenth of them in a group), and
 * `--catalog` updates, groups of 20 computers and deployments (one per update and group);
 * the built server is started on it, and each list is timed page by page, one request at
 * a time. `GET /api/v1/computers`: the first page, a page 50,000 rows deep (reached by
 * cursor), a filtered page, a sorted page, a group's page, a text search and 500 rows;
 * `GET /api/v1/updates`, `/deployments` and `/groups`: the first page, a text search and
 * 500 rows. Prints p50 / p99 / max per page; the target is p99 < 100 ms. `--explain`
 * prints each computers query's plan first. Not part of the test suite.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { request } from 'undici';
import { migrateToLatest, openStore } from '../src/store/db.js';
import { createRepositories } from '../src/store/repositories.js';
import { freshDatabase } from './lib/database.js';
import { encodeCursor } from '../src/store/paging.js';
import { benchGroupName, benchUpdateId, seedCatalog } from './lib/catalog.js';
import { explainComputerPages, type ExplainCase } from './lib/explain.js';
import { computerId, inventoryFor, seedComputers } from './lib/fleet.js';
import type { Engine } from './lib/options.js';
import { startServer } from './lib/server-process.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const computers = Number(option('computers', '100000'));
const catalog = Number(option('catalog', '2000'));
const samples = Number(option('samples', '200'));
const engineFlag = option('engine', 'both');
const engines: Engine[] = engineFlag === 'both' ? ['sqlite', 'postgres'] : [engineFlag as Engine];
const pgUrl =
  option('pg-url', '') ||
  process.env.RINGMASTER_BENCH_PG_URL ||
  'postgres://postgres@127.0.0.1:5432/test';
const targetMs = 100;

type Page = { items: unknown[]; nextCursor: string | null; total: number };

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function get(origin: string, token: string, url: string): Promise<Page> {
  const res = await request(`${origin}${url}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${text}`);
  return JSON.parse(text) as Page;
}

/** A cursor `depth` rows into the default order, reached by walking 500-row pages. */
async function deepCursor(origin: string, token: string, depth: number): Promise<string> {
  let cursor: string | null = null;
  for (let seen = 0; seen < depth; seen += 500) {
    const url: string = `/api/v1/computers?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    cursor = (await get(origin, token, url)).nextCursor;
    if (cursor === null) throw new Error(`the list ended before ${depth} rows`);
  }
  return cursor ?? '';
}

type Figure = {
  page: string;
  url: string;
  rows: number;
  total: number;
  p50: number;
  p99: number;
  max: number;
};

async function time(origin: string, token: string, page: string, url: string): Promise<Figure> {
  for (let i = 0; i < 10; i++) await get(origin, token, url);
  const ms: number[] = [];
  let last: Page = { items: [], nextCursor: null, total: 0 };
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    last = await get(origin, token, url);
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    page,
    url: url.length > 90 ? `${url.slice(0, 87)}...` : url,
    rows: last.items.length,
    total: last.total,
    p50: round(percentile(ms, 50)),
    p99: round(percentile(ms, 99)),
    max: round(ms[ms.length - 1] ?? NaN),
  };
}

/** A tenth of the fleet in one static group, for the group filter. */
async function seedGroup(url: string): Promise<void> {
  const store = openStore({ url });
  try {
    await migrateToLatest(store.db);
    const repos = createRepositories(store.db);
    await repos.groups.insert({
      id: 'grp_tenth',
      name: 'tenth',
      query: null,
      createdAt: Date.now(),
    });
    const ids = Array.from({ length: Math.floor(computers / 10) }, (_, k) =>
      computerId(k * 10 + 3),
    );
    for (let i = 0; i < ids.length; i += 5000)
      await repos.groups.addMembers('grp_tenth', ids.slice(i, i + 5000));
  } finally {
    await store.close();
  }
}

/**
 * What autovacuum does within a minute of a bulk load: statistics for the planner and the
 * visibility map an index-only count needs. Without it the first minute after a seed is
 * measured, not a running server.
 */
async function vacuumAnalyze(url: string): Promise<void> {
  const store = openStore({ url });
  try {
    await sql`vacuum analyze`.execute(store.db);
  } finally {
    await store.close();
  }
}

/** The plans of the pages timed below, as the engine would run them. */
function explainCases(): ExplainCase[] {
  const page = { limit: 50, sort: 'hostname', order: 'asc' } as const;
  const mid = Math.floor(computers / 2);
  const deep = encodeCursor('hostname', 'asc', [inventoryFor(mid).hostname, computerId(mid)]);
  const onlineSince = Date.now() - 3_600_000;
  return [
    { name: 'first page', filter: {}, page },
    { name: 'deep page (cursor)', filter: {}, page: { ...page, cursor: deep } },
    { name: 'filtered (os)', filter: { os: 'linux' }, page },
    {
      name: 'filtered (site+health)',
      filter: { site: 'paris', health: { state: 'online', onlineSince } },
      page,
    },
    {
      name: 'sorted (enrolled desc)',
      filter: {},
      page: { ...page, sort: 'enrolledAt', order: 'desc' },
    },
    { name: 'group (10%)', filter: { group: 'tenth' }, page },
    { name: 'text search (q)', filter: { q: '000123' }, page },
  ];
}

/** The first page, a text search and 500 rows of the updates, deployments and groups. */
async function catalogPages(o: string, token: string): Promise<Figure[]> {
  const middle = Math.floor(catalog / 2);
  const figures: Figure[] = [];
  for (const [list, q] of [
    ['updates', encodeURIComponent(`number ${middle}`)],
    ['deployments', benchUpdateId(middle).toLowerCase()],
    ['groups', benchGroupName(middle).slice(-6)],
  ] as const) {
    figures.push(await time(o, token, `${list}: first page`, `/api/v1/${list}`));
    figures.push(await time(o, token, `${list}: text (q)`, `/api/v1/${list}?q=${q}`));
    figures.push(await time(o, token, `${list}: 500 rows`, `/api/v1/${list}?limit=500`));
  }
  return figures;
}

async function benchEngine(engine: Engine, root: string): Promise<Figure[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringmaster-lists-'));
  const database = await freshDatabase(engine, { pgUrl }, dataDir);
  try {
    const seedMs = await seedComputers(database.url, computers);
    await seedGroup(database.url);
    await seedCatalog(database.url, catalog);
    if (engine === 'postgres') await vacuumAnalyze(database.url);
    console.log(
      `${engine}: seeded ${computers.toLocaleString('en-US')} computers in ${Math.round(seedMs)} ms, and ${catalog.toLocaleString('en-US')} updates, groups and deployments`,
    );
    if (process.argv.includes('--explain')) {
      console.log(`\n${engine} plans:`);
      for (const line of await explainComputerPages(database.url, explainCases()))
        console.log(line);
    }
    const token = `rm_admin_bench-${randomBytes(8).toString('hex')}`;
    const server = await startServer({
      cliEntry: path.join(root, 'dist/cli/main.js'),
      dataDir,
      ...(engine === 'postgres' ? { databaseUrl: database.url } : {}),
      adminToken: token,
    });
    try {
      const o = server.origin;
      const deep = encodeURIComponent(await deepCursor(o, token, Math.min(50_000, computers / 2)));
      return [
        await time(o, token, 'first page', '/api/v1/computers'),
        await time(o, token, 'deep page (cursor)', `/api/v1/computers?cursor=${deep}`),
        await time(o, token, 'filtered (os)', '/api/v1/computers?os=linux'),
        await time(
          o,
          token,
          'filtered (site+health)',
          '/api/v1/computers?site=paris&health=online',
        ),
        await time(
          o,
          token,
          'sorted (enrolled desc)',
          '/api/v1/computers?sort=enrolledAt&order=desc',
        ),
        await time(o, token, 'group (10%)', '/api/v1/computers?group=tenth'),
        await time(o, token, 'text search (q)', '/api/v1/computers?q=000123'),
        await time(o, token, '500 rows', '/api/v1/computers?limit=500'),
        ...(await catalogPages(o, token)),
      ];
    } finally {
      await server.stop();
    }
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  console.log(
    `The paged lists at ${computers.toLocaleString('en-US')} computers and ${catalog.toLocaleString('en-US')} updates, groups and deployments, ${samples} requests per page, one at a time (${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
  );
  let over = false;
  for (const engine of engines) {
    const figures = await benchEngine(engine, root);
    console.log(`\n${engine}`);
    console.log(
      `page                        rows   total     p50 ms   p99 ms   max ms  (load average ${os.loadavg()[0]?.toFixed(1)})`,
    );
    for (const f of figures) {
      console.log(
        `${f.page.padEnd(26)} ${String(f.rows).padStart(5)} ${String(f.total).padStart(7)} ${String(f.p50).padStart(10)} ${String(f.p99).padStart(8)} ${String(f.max).padStart(8)}${f.p99 >= targetMs ? '  over target' : ''}`,
      );
      over ||= f.p99 >= targetMs;
    }
  }
  console.log(
    `\ntarget: p99 < ${targetMs} ms per page${over ? ' — NOT met on every page' : ' — met'}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
