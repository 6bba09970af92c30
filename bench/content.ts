/**
 * `npm run bench:content [-- --mib 2048]`
 *
 * Content kept in PostgreSQL, measured: a file of `--mib` MiB (pseudo-random, made as it
 * is read, never held whole) is stored through the database content store, then read
 * whole by a second store with an empty cache (every chunk from the database, as on a
 * replica that never had it), then once more from that store's cache, checked chunk by
 * chunk. Prints JSON: the throughput of each step and the process's peak resident memory,
 * to show a file of any size streams. Exits 1 if a read does not hash to the file's name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { ContentDirectory } from '../src/server/content/content-store.js';
import { DatabaseContentStore } from '../src/server/content/database-content-store.js';
import { migrateToLatest, openStore } from '../src/store/db.js';
import { createRepositories, transactor } from '../src/store/repositories.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const mib = Number(option('mib', '256'));
const pgUrl =
  process.env.RINGMASTER_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MiB = 1024 * 1024;

/** `mib` MiB from a seeded block, each MiB different: made on demand, 1 MiB at a time. */
function body(seed: Buffer): Readable {
  let made = 0;
  return new Readable({
    read() {
      if (made === mib) return void this.push(null);
      const block = Buffer.alloc(MiB, seed);
      block.writeUInt32BE(made, 0);
      made += 1;
      this.push(block);
    },
  });
}

async function hashOf(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

async function main(): Promise<void> {
  const name = `ringmaster_bench_content_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  const work = mkdtempSync(path.join(os.tmpdir(), 'ringmaster-bench-content-'));
  const store = openStore({ url: url.toString() });
  try {
    await migrateToLatest(store.db);
    const replica = (dir: string) =>
      new DatabaseContentStore(
        new ContentDirectory(path.join(work, dir)),
        createRepositories(store.db).blobs,
        transactor(store.db),
        { now: () => Date.now() },
        {
          logError: (error, message) => console.error(message, error),
          chunkRead: () => undefined,
          cacheCorrupt: () => undefined,
        },
      );
    const seed = randomBytes(32);
    const sha256 = await hashOf(body(seed));
    const baselineRss = process.memoryUsage().rss;
    peakRss = baselineRss;
    const timed = async <T>(work: () => Promise<T>) => {
      const started = performance.now();
      const value = await work();
      return { value, seconds: (performance.now() - started) / 1000 };
    };
    const put = await timed(() => replica('a').put(sha256, body(seed)));
    const b = replica('b');
    const fromDatabase = await timed(() => hashOf(b.open(sha256)));
    await b.settle();
    const fromCache = await timed(() => hashOf(b.open(sha256)));
    const ok = fromDatabase.value === sha256 && fromCache.value === sha256;
    const rate = (seconds: number) => Math.round(mib / seconds);
    console.log(
      JSON.stringify(
        {
          mib,
          storedBytes: put.value.size,
          uploadMiBps: rate(put.seconds),
          readFromDatabaseMiBps: rate(fromDatabase.seconds),
          readFromCheckedCacheMiBps: rate(fromCache.seconds),
          hashesMatch: ok,
          baselineRssMiB: Math.round(baselineRss / MiB),
          peakRssMiB: Math.round(peakRss / MiB),
          load: os.loadavg().map((l) => Math.round(l * 10) / 10),
          cpus: os.cpus().length,
        },
        null,
        2,
      ),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await store.close();
    rmSync(work, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
