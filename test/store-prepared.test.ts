import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore, type Store } from '../src/store/db.js';
import { createRepositories } from '../src/store/repositories.js';
import { inventoryFactory } from './factories/update.factory.js';
import { freshDatabase, type TestDatabase } from './support/engines.js';

/**
 * On PostgreSQL the query of every check-in (the computer by its credential) is a named
 * prepared statement: each connection parses and plans it once. One connection here, so
 * the session the test looks at is the one that ran it.
 */
describe('prepared statements on postgres', () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await freshDatabase('postgres');
    store = openStore({ url: database.databaseUrl!, schema: database.schema!, poolSize: 1 });
    await migrateToLatest(store.db, database.schema);
    await createRepositories(store.db).computers.insert({
      id: 'cmp_prepared',
      credentialHash: 'hash-prepared',
      ...inventoryFactory({ hostname: 'prepared-01' }),
      enrolledAt: 1,
      lastSeenAt: null,
    });
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  const prepared = async () =>
    (
      await sql<{
        statement: string;
      }>`select statement from pg_prepared_statements where statement like '%credential_hash%'`.execute(
        store.db,
      )
    ).rows.map((r) => r.statement);

  it('finds a computer by its credential through a statement prepared once', async () => {
    const { computers } = createRepositories(store.db);
    expect(await prepared()).toEqual([]);
    expect((await computers.findByCredentialHash('hash-prepared'))?.id).toBe('cmp_prepared');
    expect(await computers.findByCredentialHash('no-such-hash')).toBeUndefined();
    expect((await computers.findByCredentialHash('hash-prepared'))?.hostname).toBe('prepared-01');
    const statements = await prepared();
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/from "computers" where "credential_hash" = \$1/);
  });

  it('still finds it once a column was added to the table since (another replica migrated)', async () => {
    const { computers } = createRepositories(store.db);
    expect((await computers.findByCredentialHash('hash-prepared'))?.id).toBe('cmp_prepared');
    await sql`alter table computers add column added_later text`.execute(store.db);
    // PostgreSQL refuses the prepared `select *` now; the connection runs it unnamed.
    expect((await computers.findByCredentialHash('hash-prepared'))?.id).toBe('cmp_prepared');
    expect((await computers.findByCredentialHash('hash-prepared'))?.id).toBe('cmp_prepared');
  });
});
