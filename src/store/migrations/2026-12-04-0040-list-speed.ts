import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * The computer list's slow pages at fleet size (docs/performance.md):
 * - `site` with `health`: the (site, hostname, id) index also holds last_seen_at, so the
 *   page and its count check the health in the index instead of reading every row of the
 *   site (an index led by (site, last_seen_at) was tried: the count was quick, but SQLite
 *   then sorted the site's online computers for the page);
 * - `q` on PostgreSQL: trigram indexes (pg_trgm) on the lowered hostname and id, which
 *   find a substring of three characters or more without reading every row. Only where
 *   the extension is installed with the server or this role may create it; elsewhere `q`
 *   reads the rows as before. (SQLite has no such index: there `q` reads the
 *   (hostname, id) index, every entry of it.)
 */
function isSqlite(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

async function trigramsAvailable(db: Kysely<unknown>): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select exists (select 1 from pg_extension where extname = 'pg_trgm')
      or (exists (select 1 from pg_available_extensions where name = 'pg_trgm')
          and has_database_privilege(current_user, current_database(), 'CREATE')
          and has_schema_privilege(current_user, 'public', 'CREATE')) as ok`.execute(db);
  return rows[0]?.ok === true;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('computers_site_hostname_id_seen')
    .on('computers')
    .columns(['site', 'hostname', 'id', 'last_seen_at'])
    .execute();
  // Led by the same columns, the wider index does the narrower one's work.
  await db.schema.dropIndex('computers_site_hostname_id').execute();
  if (isSqlite(db) || !(await trigramsAvailable(db))) return;
  // The extension is the database's, not the schema's: installed once, in `public` unless
  // it is already elsewhere, and its operator class named with its schema, so that a
  // server whose search_path is another schema finds it too.
  // Servers (or test schemas) migrating at once would race to create it: one at a time,
  // until the migration's transaction ends.
  await sql`select pg_advisory_xact_lock(hashtext('ringmaster: create extension pg_trgm'))`.execute(
    db,
  );
  await sql`create extension if not exists pg_trgm schema public`.execute(db);
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'pg_trgm'`.execute(db);
  const ops = sql`${sql.id(rows[0]?.schema ?? 'public')}.gin_trgm_ops`;
  for (const column of ['hostname', 'id']) {
    await sql`create index ${sql.id(`computers_${column}_trgm`)} on computers using gin (lower(${sql.ref(column)}) ${ops})`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('computers_id_trgm').ifExists().execute();
  await db.schema.dropIndex('computers_hostname_trgm').ifExists().execute();
  await db.schema
    .createIndex('computers_site_hostname_id')
    .on('computers')
    .columns(['site', 'hostname', 'id'])
    .execute();
  await db.schema.dropIndex('computers_site_hostname_id_seen').ifExists().execute();
}
