import type { Kysely } from 'kysely';

/**
 * A deployment's progress over time, for charts: the counts per phase and state each
 * time they change (at most once per engine evaluation), numbered per deployment.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deployment_progress')
    .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    /** JSON: one object per phase, in plan order, of the non-zero counts by status state. */
    .addColumn('counts', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('deployment_progress_pk', ['deployment_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('deployment_progress').execute();
}
