import type { Kysely } from 'kysely';

/**
 * A group may name who is told the rollout schedule for its computers that report no
 * owner e-mail of their own (a team's list, say): the group-to-e-mail mapping.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('groups').addColumn('owner_email', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('groups').dropColumn('owner_email').execute();
}
