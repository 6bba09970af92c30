import type { Kysely } from 'kysely';

/** Content downloads look a file up by hash to find its updates: index it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('update_files_sha256').on('update_files').column('sha256').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('update_files_sha256').ifExists().execute();
}
