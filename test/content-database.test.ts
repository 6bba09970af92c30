import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ContentDirectory } from '../src/server/content/content-store.js';
import { DatabaseContentStore } from '../src/server/content/database-content-store.js';
import { ValidationError } from '../src/domain/errors.js';
import { migrateToLatest, openStore, type Store } from '../src/store/db.js';
import { createRepositories, transactor } from '../src/store/repositories.js';
import type { Database } from '../src/store/schema.js';
import { freshDatabase, postgresUrl, type TestDatabase } from './support/engines.js';
import { startTestServer } from './support/test-server.js';
import { waitFor } from './support/wait.js';

const CHUNK = 16;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const clock = { now: () => 1_000 };

/**
 * Content kept in PostgreSQL, the source of truth of every replica, with each replica's
 * directory as a cache checked chunk by chunk: two stores on one database stand for two
 * replicas, each with its own directory. Chunks are 16 bytes so small files span several.
 */
describe('content in the database on postgres', () => {
  let database: TestDatabase;
  let store: Store;
  let work: string;
  let logged: string[];
  let reads: { cache: number; database: number };
  let corrupted: number;
  const replica = (dir: string, db: Kysely<Database> = store.db) =>
    new DatabaseContentStore(
      new ContentDirectory(path.join(work, dir)),
      createRepositories(db).blobs,
      transactor(db),
      clock,
      {
        logError: (_error, message) => logged.push(message),
        chunkRead: (from) => (reads[from] += 1),
        cacheCorrupt: () => (corrupted += 1),
      },
      CHUNK,
    );
  const chunkRows = async (hash: string) =>
    (
      await store.db
        .selectFrom('blob_chunks')
        .select(sql<number>`count(*)`.as('n'))
        .where('sha256', '=', hash)
        .executeTakeFirstOrThrow()
    ).n;
  const cached = (dir: string, hash: string) =>
    new ContentDirectory(path.join(work, dir)).pathOf(hash);

  beforeAll(async () => {
    database = await freshDatabase('postgres');
    store = openStore({ url: database.databaseUrl!, schema: database.schema! });
    await migrateToLatest(store.db, database.schema);
    work = await mkdtemp(path.join(tmpdir(), 'ringmaster-content-db-'));
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
    await rm(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    logged = [];
    reads = { cache: 0, database: 0 };
    corrupted = 0;
  });

  it('stores a file in chunks and serves it whole and by range from a replica that never had it', async () => {
    const data = randomBytes(CHUNK * 3 + 5);
    const hash = sha256(data);
    const a = replica('a1');
    expect(await a.put(hash, Readable.from([data.subarray(0, 7), data.subarray(7)]))).toEqual({
      size: data.length,
    });
    expect(await chunkRows(hash)).toBe(4);
    expect(await readFile(cached('a1', hash))).toEqual(data);

    const b = replica('b1');
    expect(await b.size(hash)).toBe(data.length);
    expect(await buffer(b.open(hash))).toEqual(data);
    // Across chunk boundaries, and inside one chunk.
    expect(await buffer(b.open(hash, { start: 10, end: 40 }))).toEqual(data.subarray(10, 41));
    expect(await buffer(b.open(hash, { start: 17, end: 18 }))).toEqual(data.subarray(17, 19));
    expect(await buffer(b.open(hash, { start: 48, end: 52 }))).toEqual(data.subarray(48, 53));
    await b.settle();
    // b kept a copy of what it served from the database.
    expect(await readFile(cached('b1', hash))).toEqual(data);
    expect(logged).toEqual([]);
  });

  it('never serves a corrupt cached copy: the bad chunk comes from the database, the copy is replaced', async () => {
    const data = randomBytes(CHUNK * 4);
    const hash = sha256(data);
    const a = replica('a2');
    await a.put(hash, Readable.from([data]));
    const corrupt = Buffer.from(data);
    corrupt[CHUNK * 2 + 3] = (corrupt[CHUNK * 2 + 3] ?? 0) ^ 0xff;
    await writeFile(cached('a2', hash), corrupt);

    expect(await buffer(a.open(hash))).toEqual(data);
    expect(logged).toEqual([
      `content ${hash}: the cached copy is corrupt; removed, served from the database`,
    ]);
    // Two good chunks from the copy; the bad one and the rest (the copy is gone) not.
    expect({ reads, corrupted }).toEqual({ reads: { cache: 2, database: 2 }, corrupted: 1 });
    await a.settle();
    expect(await readFile(cached('a2', hash))).toEqual(data);

    // A short copy is as bad as a wrong one.
    await writeFile(cached('a2', hash), data.subarray(0, CHUNK + 1));
    expect(await buffer(a.open(hash, { start: CHUNK, end: CHUNK * 3 }))).toEqual(
      data.subarray(CHUNK, CHUNK * 3 + 1),
    );
    await a.settle();
    expect(await readFile(cached('a2', hash))).toEqual(data);
  });

  it('leaves alone a copy written while a read that missed it was still being served', async () => {
    const data = randomBytes(CHUNK * 4);
    const hash = sha256(data);
    await replica('a3').put(hash, Readable.from([data]));
    const b = replica('b3');
    // One read misses the copy and starts writing it; a second read, begun before the
    // copy was there, is still being served when it is.
    const first = b.open(hash);
    const second = b.open(hash)[Symbol.asyncIterator]();
    await second.next();
    expect(await buffer(first)).toEqual(data);
    await b.settle();
    // What is in the directory now (here, planted bad) is the next read's to check: the
    // second read ending must not write the copy over again behind it.
    const planted = Buffer.from(data);
    planted[CHUNK + 1] = (planted[CHUNK + 1] ?? 0) ^ 0xff;
    await writeFile(cached('b3', hash), planted);
    for (let next = await second.next(); !next.done; next = await second.next());
    await b.settle();
    expect(await readFile(cached('b3', hash))).toEqual(planted);
    expect(await buffer(b.open(hash))).toEqual(data);
    expect(logged).toEqual([
      `content ${hash}: the cached copy is corrupt; removed, served from the database`,
    ]);
  });

  it('refuses a body that does not hash to its name, and records nothing', async () => {
    const data = randomBytes(CHUNK * 2);
    const hash = sha256(randomBytes(8));
    await expect(replica('a3').put(hash, Readable.from([data]))).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await replica('b3').size(hash)).toBeNull();
    expect(await chunkRows(hash)).toBe(0);
  });

  it('records nothing when the upload dies between chunk writes (its connection cut, as when the process dies)', async () => {
    // Its own pool, named, so the test finds the upload's connection and cuts it.
    const name = `crash_${randomBytes(4).toString('hex')}`;
    const pool = new pg.Pool({
      connectionString: postgresUrl,
      application_name: name,
      options: `-c search_path=${database.schema}`,
    });
    // The cut connection's error is expected; without a listener it would end the test.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const data = randomBytes(CHUNK * 4);
    const hash = sha256(data);
    let pulled = 0;
    const body = new Readable({
      read() {
        // Three chunks, then the body stalls as a slow client's would.
        if (pulled < 3) this.push(data.subarray(pulled * CHUNK, ++pulled * CHUNK));
      },
    });
    const upload = replica('a4', db).put(hash, body);
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    try {
      await waitFor(
        'the upload to wait, inside its transaction, for more body',
        async () => {
          const { rows } = await admin.query(
            `select pid from pg_stat_activity where application_name = $1 and state = 'idle in transaction' and query like 'insert into "blob_chunks"%'`,
            [name],
          );
          return pulled === 3 && rows.length === 1;
        },
        10_000,
      );
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`,
        [name],
      );
      body.push(data.subarray(CHUNK * 3));
      body.push(null);
      await expect(upload).rejects.toThrow();
    } finally {
      await admin.end();
      await db.destroy();
    }
    expect(await replica('b4').size(hash)).toBeNull();
    expect(await chunkRows(hash)).toBe(0);
    expect(await new ContentDirectory(path.join(work, 'a4')).size(hash)).toBeNull();
    // The same file uploaded again is stored whole.
    await replica('b4').put(hash, Readable.from([data]));
    expect(await buffer(replica('c4').open(hash))).toEqual(data);
  });

  it('adopts files recorded before content moved into the database from a directory that holds them', async () => {
    const good = randomBytes(CHUNK * 2 + 1);
    const bad = randomBytes(CHUNK);
    const repos = createRepositories(store.db);
    await repos.blobs.record(sha256(good), good.length, 1);
    await repos.blobs.record(sha256(bad), bad.length, 1);
    const old = new ContentDirectory(path.join(work, 'a5'));
    await old.put(sha256(good), Readable.from([good]));
    await old.put(sha256(bad), Readable.from([bad]));
    await writeFile(old.pathOf(sha256(bad)), randomBytes(CHUNK));
    expect(await replica('b5').size(sha256(good))).toBeNull();

    expect(await replica('a5').adoptLocalCopies()).toBe(1);
    expect(await buffer(replica('b5').open(sha256(good)))).toEqual(good);
    expect(await replica('b5').size(sha256(bad))).toBeNull();
    expect(logged).toEqual([
      `content ${sha256(bad)}: the copy in the data directory was not adopted`,
    ]);
  });
});

/** On SQLite there is one process: the data directory stays the store. */
describe('content on sqlite', () => {
  it('keeps uploads in the data directory only', async () => {
    const server = await startTestServer('sqlite', undefined, { engineIntervalMs: 0 });
    try {
      expect(server.services.content).toBeInstanceOf(ContentDirectory);
      const data = randomBytes(100);
      const res = await server.app.inject({
        method: 'PUT',
        url: `/api/v1/content/${sha256(data)}`,
        headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: data,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(
        await readFile(
          new ContentDirectory(path.join(server.dataDir, 'content')).pathOf(sha256(data)),
        ),
      ).toEqual(data);
      const rows = await server.store.db.selectFrom('blob_chunks').selectAll().execute();
      expect(rows).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
