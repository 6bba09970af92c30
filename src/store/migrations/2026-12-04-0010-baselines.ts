import type { Kysely } from 'kysely';

/**
 * Baselines: a named set of updates that every computer of its groups must have.
 * Compliance to a baseline is computed from the scan; nothing of it is stored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('baselines')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('baseline_groups')
    .addColumn('baseline_id', 'text', (c) =>
      c.notNull().references('baselines.id').onDelete('cascade'),
    )
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addPrimaryKeyConstraint('baseline_groups_pk', ['baseline_id', 'group_id'])
    .execute();
  await db.schema
    .createTable('baseline_updates')
    .addColumn('baseline_id', 'text', (c) =>
      c.notNull().references('baselines.id').onDelete('cascade'),
    )
    .addColumn('update_id', 'text', (c) => c.notNull().references('updates.id'))
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('baseline_updates_pk', ['baseline_id', 'update_id'])
    .execute();
  await db.schema
    .createIndex('baselines_created')
    .on('baselines')
    .columns(['created_at', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('baseline_updates').execute();
  await db.schema.dropTable('baseline_groups').execute();
  await db.schema.dropTable('baselines').execute();
}
