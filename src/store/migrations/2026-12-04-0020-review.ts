import type { Kysely } from 'kysely';

/**
 * The post-implementation review: the target a deployment is reviewed against (its SLA,
 * set at creation or after, with who set it) and the follow-up checklist items marked done.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deployment_slas')
    .addColumn('deployment_id', 'text', (c) => c.primaryKey().references('deployments.id'))
    /** JSON: `{ "percent": 95, "hours": 48 }`. */
    .addColumn('sla', 'text', (c) => c.notNull())
    .addColumn('set_by', 'text', (c) => c.notNull())
    .addColumn('set_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('review_checklist')
    .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id'))
    .addColumn('item', 'text', (c) => c.notNull())
    .addColumn('done_by', 'text', (c) => c.notNull())
    .addColumn('done_at', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('review_checklist_pk', ['deployment_id', 'item'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('review_checklist').execute();
  await db.schema.dropTable('deployment_slas').execute();
}
