import { sql, type KyselyPlugin } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrateToLatest, openStore, type Store } from '../src/store/db.js';
import { createRepositories } from '../src/store/repositories.js';
import { ROWS_PER_SQLITE_TRANSACTION, SeenWriter } from '../src/store/seen-writer.js';
import { inventoryFactory } from './factories/update.factory.js';
import { ENGINES, freshDatabase, type TestDatabase } from './support/engines.js';

/** Counts the UPDATE statements that reach the database, whichever way they are built. */
function countUpdates(): { plugin: KyselyPlugin; count: () => number } {
  let n = 0;
  return {
    plugin: {
      transformQuery: (args) => {
        const kind = args.node.kind;
        if (kind === 'UpdateQueryNode' || kind === 'RawNode') n += 1;
        return args.node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    },
    count: () => n,
  };
}

for (const engine of ENGINES) {
  describe(`check-in times written in batches on ${engine}`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await freshDatabase(engine);
      store = openStore({
        url: database.databaseUrl ?? `${database.dataDir}/ringmaster.db`,
        ...(database.schema ? { schema: database.schema } : {}),
      });
      await migrateToLatest(store.db, database.schema);
      const { computers } = createRepositories(store.db);
      for (const id of ['cmp_1', 'cmp_2']) {
        await computers.insert({
          id,
          credentialHash: `hash-${id}`,
          ...inventoryFactory({ hostname: id }),
          enrolledAt: 1,
          lastSeenAt: 1,
        });
      }
    });
    afterEach(() => {
      vi.useRealTimers();
    });
    afterAll(async () => {
      await store.close();
      await database.drop();
    });

    const seenAt = async (id: string) => {
      const { rows } = await sql<{
        last_seen_at: number;
        scanned_at: number | null;
      }>`select last_seen_at, scanned_at from computers where id = ${id}`.execute(store.db);
      return { seen: Number(rows[0]?.last_seen_at), scanned: rows[0]?.scanned_at ?? null };
    };

    it('writes every pending time once per interval, in one statement (one transaction on SQLite)', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const counter = countUpdates();
      const writer = new SeenWriter(store.db.withPlugin(counter.plugin), store.engine, 1000);
      writer.note('cmp_1', 5000, null);
      writer.note('cmp_2', 5000, 4000);
      writer.note('cmp_1', 6000, null);
      // A repository with the writer shows the pending time at once.
      const repos = createRepositories(store.db, { seen: writer });
      expect((await repos.computers.find('cmp_1'))?.lastSeenAt).toBe(6000);
      vi.advanceTimersByTime(999);
      await writer.settled();
      expect(counter.count()).toBe(0);
      expect((await seenAt('cmp_1')).seen).toBe(1);
      vi.advanceTimersByTime(1);
      await writer.settled();
      expect(counter.count()).toBe(engine === 'postgres' ? 1 : 2);
      expect(await seenAt('cmp_1')).toEqual({ seen: 6000, scanned: null });
      expect(await seenAt('cmp_2')).toEqual({ seen: 5000, scanned: 4000 });
      // An older time (another replica's batch landing late) never moves it back.
      writer.note('cmp_1', 5500, null);
      vi.advanceTimersByTime(1000);
      await writer.settled();
      expect((await seenAt('cmp_1')).seen).toBe(6000);
    });

    it('writes what is pending when it closes, before the interval', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const writer = new SeenWriter(store.db, store.engine, 1000);
      writer.note('cmp_2', 9000, null);
      await writer.close();
      expect((await seenAt('cmp_2')).seen).toBe(9000);
      expect(writer.size).toBe(0);
    });
  });
}

describe('check-in times on SQLite, in bounded transactions', () => {
  let database: TestDatabase;
  let store: Store;
  const ids = Array.from({ length: 2 * ROWS_PER_SQLITE_TRANSACTION + 50 }, (_, k) => `cmp_${k}`);

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    store = openStore({ url: `${database.dataDir}/ringmaster.db` });
    await migrateToLatest(store.db);
    const { computers } = createRepositories(store.db);
    for (const id of ids) {
      await computers.insert({
        id,
        credentialHash: `hash-${id}`,
        ...inventoryFactory({ hostname: id }),
        enrolledAt: 1,
        lastSeenAt: 1,
      });
    }
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('lets the event loop turn between transactions, and reads see every time meanwhile', async () => {
    const counter = countUpdates();
    const writer = new SeenWriter(store.db.withPlugin(counter.plugin), store.engine, 1000);
    for (const id of ids) writer.note(id, 7000, null);
    const repos = createRepositories(store.db, { seen: writer });
    // What the loop sees at each of its turns while the flush runs: statements so far,
    // and the last-seen time a read gives for the last computer (written last).
    const turns: { updates: number; lastSeenAt: number | null | undefined }[] = [];
    let done = false;
    const flushing = writer.flush().then(() => {
      done = true;
    });
    await new Promise<void>((resolve) => {
      const probe = (): void => {
        void repos.computers.find(ids.at(-1)!).then((row) => {
          turns.push({ updates: counter.count(), lastSeenAt: row?.lastSeenAt });
          if (done) resolve();
          else setImmediate(probe);
        });
      };
      setImmediate(probe);
    });
    await flushing;
    const between = turns.filter((t) => t.updates > 0 && t.updates < ids.length);
    // Three transactions, so the loop turned while some were written and others not.
    expect(between.length).toBeGreaterThanOrEqual(2);
    expect(new Set(between.map((t) => t.updates)).size).toBeGreaterThanOrEqual(2);
    for (const t of between) expect(t.updates % ROWS_PER_SQLITE_TRANSACTION).toBe(0);
    // The time not yet written was laid over the read all along.
    expect(turns.every((t) => t.lastSeenAt === 7000)).toBe(true);
    const { rows } = await sql<{
      n: number;
    }>`select count(*) as n from computers where last_seen_at = 7000`.execute(store.db);
    expect(Number(rows[0]?.n)).toBe(ids.length);
  });
});
