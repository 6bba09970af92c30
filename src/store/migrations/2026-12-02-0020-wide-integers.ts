import { SqliteAdapter, type Kysely } from 'kysely';

/**
 * Integer columns an input reaches become 64-bit: a Windows exit code such as 0xC0000005
 * (3221225477) and an enrollment token's uses do not fit PostgreSQL's 32-bit `integer`,
 * and a report that cannot be stored blocked its computer's outbox for ever. SQLite's
 * INTEGER is 64-bit already (and SQLite cannot change a column's type), so only
 * PostgreSQL changes. Counters the server keeps itself (attempts, re-images) and phase
 * numbers (at most 100 phases) stay as they are.
 */
const columns = [
  ['statuses', 'exit_code'],
  ['status_events', 'exit_code'],
  ['enrollment_tokens', 'uses_left'],
  ['enrollment_tokens', 'uses'],
] as const;

function isSqlite(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) return;
  for (const [table, column] of columns) {
    await db.schema
      .alterTable(table)
      .alterColumn(column, (c) => c.setDataType('bigint'))
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) return;
  for (const [table, column] of columns) {
    await db.schema
      .alterTable(table)
      .alterColumn(column, (c) => c.setDataType('integer'))
      .execute();
  }
}
