import type { Kysely } from 'kysely';

/** A group may set the client policy of its computers (notify, auto-download, scheduled). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('groups').addColumn('policy', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('groups').dropColumn('policy').execute();
}
