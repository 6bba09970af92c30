import type { Kysely } from 'kysely';

/** `deployment_computers` is the placement of a computer in a deployment's phase: say so. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployment_computers').renameTo('placements').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('placements').renameTo('deployment_computers').execute();
}
