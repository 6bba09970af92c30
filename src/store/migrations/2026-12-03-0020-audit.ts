import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * The audit log: one row per recorded admin call, append-only. Neither the repository
 * nor the database lets a row change or go: a trigger on each engine refuses UPDATE and
 * DELETE (and TRUNCATE on PostgreSQL). `id` is monotonic; times are epoch milliseconds.
 */
function isSqlite(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = isSqlite(db);
  await db.schema
    .createTable('audit_entries')
    .addColumn('id', sqlite ? 'integer' : 'bigserial', (c) =>
      sqlite ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('token_id', 'text')
    .addColumn('role', 'text')
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('target_key', 'text')
    .addColumn('body', 'text')
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('message', 'text')
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .execute();
  await db.schema.createIndex('audit_entries_at').on('audit_entries').column('at').execute();
  await db.schema
    .createIndex('audit_entries_target')
    .on('audit_entries')
    .column('target_key')
    .execute();
  if (sqlite) {
    for (const op of ['update', 'delete']) {
      await sql
        .raw(
          `create trigger audit_entries_no_${op} before ${op} on audit_entries ` +
            `begin select raise(abort, 'audit entries are append-only'); end`,
        )
        .execute(db);
    }
    return;
  }
  await sql`create function audit_entries_refuse() returns trigger language plpgsql as $$
    begin raise exception 'audit entries are append-only'; end $$`.execute(db);
  await sql`create trigger audit_entries_no_change before update or delete on audit_entries
    for each row execute function audit_entries_refuse()`.execute(db);
  await sql`create trigger audit_entries_no_truncate before truncate on audit_entries
    for each statement execute function audit_entries_refuse()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_entries').ifExists().execute();
  if (!isSqlite(db)) await sql`drop function if exists audit_entries_refuse()`.execute(db);
}
