import { sql, type Kysely } from 'kysely';

/** Plans, phases, stable phase membership, engine events, windows, re-images. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('plan', 'text').execute();
  await db.schema
    .alterTable('deployments')
    .addColumn('action', 'text', (c) => c.notNull().defaultTo('install'))
    .execute();
  await db.schema.alterTable('deployments').addColumn('state_reason', 'text').execute();
  await db.schema.alterTable('deployments').addColumn('deadline', 'bigint').execute();
  await db.schema.alterTable('deployments').addColumn('readvertised_at', 'bigint').execute();
  await db.schema.alterTable('deployments').addColumn('next_evaluation_at', 'bigint').execute();
  await db.schema.alterTable('deployments').addColumn('waiting_for', 'text').execute();
  await db.schema.alterTable('deployments').addColumn('updated_at', 'bigint').execute();
  await db.schema.createIndex('deployments_state').on('deployments').column('state').execute();

  await db.schema
    .createTable('deployment_phases')
    .addColumn('deployment_id', 'text', (c) =>
      c.notNull().references('deployments.id').onDelete('cascade'),
    )
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint')
    .addColumn('promoted_at', 'bigint')
    .addPrimaryKeyConstraint('deployment_phases_pk', ['deployment_id', 'idx'])
    .execute();

  await db.schema
    .createTable('deployment_computers')
    .addColumn('deployment_id', 'text', (c) =>
      c.notNull().references('deployments.id').onDelete('cascade'),
    )
    .addColumn('computer_id', 'text', (c) =>
      c.notNull().references('computers.id').onDelete('cascade'),
    )
    .addColumn('phase', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('deployment_computers_pk', ['deployment_id', 'computer_id'])
    .execute();
  await db.schema
    .createIndex('deployment_computers_computer')
    .on('deployment_computers')
    .column('computer_id')
    .execute();

  await db.schema
    .createTable('deployment_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('deployment_id', 'text', (c) =>
      c.notNull().references('deployments.id').onDelete('cascade'),
    )
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('phase', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('deployment_events_deployment')
    .on('deployment_events')
    .columns(['deployment_id', 'at'])
    .execute();

  await db.schema
    .alterTable('groups')
    .addColumn('windows', 'text', (c) => c.notNull().defaultTo(sql`'[]'`))
    .execute();

  await db.schema.alterTable('computers').addColumn('reimaged_at', 'bigint').execute();
  await db.schema
    .alterTable('computers')
    .addColumn('reimage_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('computer_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('computer_id', 'text', (c) =>
      c.notNull().references('computers.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_at', 'bigint', (c) => c.notNull())
    .addColumn('to_at', 'bigint', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('computer_events_computer')
    .on('computer_events')
    .columns(['computer_id', 'to_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('computer_events').ifExists().execute();
  await db.schema.dropTable('deployment_events').ifExists().execute();
  await db.schema.dropTable('deployment_computers').ifExists().execute();
  await db.schema.dropTable('deployment_phases').ifExists().execute();
  for (const column of ['reimaged_at', 'reimage_count']) {
    await db.schema.alterTable('computers').dropColumn(column).execute();
  }
  await db.schema.alterTable('groups').dropColumn('windows').execute();
  await db.schema.dropIndex('deployments_state').ifExists().execute();
  for (const column of [
    'plan',
    'action',
    'state_reason',
    'deadline',
    'readvertised_at',
    'next_evaluation_at',
    'waiting_for',
    'updated_at',
  ]) {
    await db.schema.alterTable('deployments').dropColumn(column).execute();
  }
}
