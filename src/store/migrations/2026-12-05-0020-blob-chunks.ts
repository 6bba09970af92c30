import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * The bytes of content files, on PostgreSQL the source of truth every replica reads (the
 * data directory is only a cache there): each file in chunks keyed by the byte they start
 * at, each with its own SHA-256 so a cached copy is checked chunk by chunk as it is served.
 * A file's `blobs` row is written in the transaction that writes its last chunk, so a row
 * always means every chunk is there. On SQLite (one process) the directory stays the
 * store and this table stays empty.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('blob_chunks')
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('byte_offset', 'bigint', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('data', sqlite ? 'blob' : 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('blob_chunks_pk', ['sha256', 'byte_offset'])
    .execute();
  // Installers are mostly compressed already: do not spend CPU compressing them again.
  if (!sqlite)
    await sql`alter table blob_chunks alter column data set storage external`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('blob_chunks').execute();
}
