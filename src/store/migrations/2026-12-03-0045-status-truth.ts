import type { Kysely } from 'kysely';

/**
 * A status cancelled by an admin action says which action (halt, revoke,
 * rollback), who did it and when; the columns are null for every other state.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('statuses').addColumn('cancelled_by', 'text').execute();
  await db.schema.alterTable('statuses').addColumn('cancelled_actor', 'text').execute();
  await db.schema.alterTable('statuses').addColumn('cancelled_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('statuses').dropColumn('cancelled_at').execute();
  await db.schema.alterTable('statuses').dropColumn('cancelled_actor').execute();
  await db.schema.alterTable('statuses').dropColumn('cancelled_by').execute();
}
