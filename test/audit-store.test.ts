import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore, type Store } from '../src/store/db.js';
import type { NewAuditEntry } from '../src/store/audit.repository.js';
import { createRepositories, type Repositories } from '../src/store/repositories.js';
import { ENGINES, freshDatabase, type TestDatabase } from './support/engines.js';

function entry(overrides: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    at: 1_000,
    actor: 'alice',
    tokenId: 'tok_a',
    role: 'admin',
    from: '192.0.2.1',
    action: 'haltDeployment',
    method: 'POST',
    path: '/api/v1/deployments/dep_1/halt',
    target: { id: 'dep_1' },
    body: { reason: 'looks wrong' },
    status: 200,
    error: null,
    message: null,
    before: { state: 'active' },
    after: { state: 'halted' },
    ...overrides,
  };
}

/** The audit log is append-only in the database itself, not only in the repository. */
for (const engine of ENGINES) {
  describe(`the audit log on ${engine}`, () => {
    let database: TestDatabase;
    let store: Store;
    let repos: Repositories;

    beforeAll(async () => {
      database = await freshDatabase(engine);
      store = openStore(
        database.databaseUrl
          ? { url: database.databaseUrl, ...(database.schema ? { schema: database.schema } : {}) }
          : { url: `${database.dataDir}/ringmaster.db` },
      );
      await migrateToLatest(store.db, database.schema);
      repos = createRepositories(store.db);
    });
    afterAll(async () => {
      await store.close();
      await database.drop();
    });

    it('keeps what it was given, camelCase, with ids that only grow', async () => {
      const first = await repos.audit.append(entry());
      const second = await repos.audit.append(
        entry({ at: 2_000, actor: null, tokenId: null, role: null, status: 401, body: null }),
      );
      expect(second).toBeGreaterThan(first);
      const [newest, oldest] = await repos.audit.list({ limit: 10, order: 'newest-first' });
      expect(oldest).toEqual({ id: first, ...entry() });
      expect(newest).toMatchObject({ id: second, actor: null, status: 401, body: null });
    });

    it('stores a NUL byte and a wide integer of a refused request without failing', async () => {
      const id = await repos.audit.append(
        entry({
          actor: null,
          target: { id: 'a\u0000b' },
          body: { text: 'x\u0000y', big: 2 ** 53 + 2 },
          message: 'bad \u0000 value',
          status: 400,
        }),
      );
      const [found] = await repos.audit.list({ limit: 1, order: 'newest-first' });
      expect(found).toMatchObject({
        id,
        target: { id: 'a\u0000b' },
        body: { text: 'x\u0000y' },
        message: 'bad \uFFFD value',
      });
    });

    it('refuses UPDATE and DELETE, whoever asks', async () => {
      const id = await repos.audit.append(entry());
      await expect(
        store.db
          .updateTable('audit_entries')
          .set({ actor: 'mallory' })
          .where('id', '=', id)
          .execute(),
      ).rejects.toThrow(/append-only/);
      await expect(
        store.db.deleteFrom('audit_entries').where('id', '=', id).execute(),
      ).rejects.toThrow(/append-only/);
      await expect(store.db.deleteFrom('audit_entries').execute()).rejects.toThrow(/append-only/);
      if (engine === 'postgres') {
        await expect(sql`truncate audit_entries`.execute(store.db)).rejects.toThrow(/append-only/);
      }
      const [kept] = await repos.audit.list({ limit: 1, cursor: id + 1, order: 'newest-first' });
      expect(kept).toMatchObject({ id, actor: 'alice' });
    });

    it('filters by time, actor, action and target, and pages by cursor both ways', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        ids.push(
          await repos.audit.append(
            entry({
              at: 10_000 + i,
              actor: i % 2 === 0 ? 'bob' : 'carol',
              action: i < 3 ? 'createGroup' : 'setGroupPolicy',
              target: { name: `g${i}` },
            }),
          ),
        );
      }
      const page = (filter: object) =>
        repos.audit.list({ limit: 100, order: 'oldest-first', ...filter });
      const idsOf = async (filter: object) => (await page(filter)).map((e) => e.id);
      expect(await idsOf({ since: 10_001, until: 10_003 })).toEqual([ids[1], ids[2]]);
      expect(await idsOf({ since: 10_000, actor: 'bob' })).toEqual([ids[0], ids[2], ids[4]]);
      expect(await idsOf({ since: 10_000, action: 'setGroupPolicy' })).toEqual([ids[3], ids[4]]);
      expect(await idsOf({ target: 'g3' })).toEqual([ids[3]]);
      expect(await idsOf({ since: 10_000, limit: 2, cursor: ids[1] })).toEqual([ids[2], ids[3]]);
      const older = await repos.audit.list({ limit: 2, cursor: ids[3], order: 'newest-first' });
      expect(older.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    });
  });
}
