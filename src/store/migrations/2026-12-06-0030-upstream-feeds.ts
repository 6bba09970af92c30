import type { Kysely } from 'kysely';

/**
 * Two feeds between parent and child servers. Up: each computer's status, sent by a
 * child in batches after a cursor over `statuses.changed_at` (this server's clock when
 * the row last changed), stored on the parent per child. Down: a halt, resume or
 * rollback made on the parent, carried on the child's enablement row as its next
 * numbered change, and applied once on the child (`applied_action_seq`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('statuses')
    .addColumn('changed_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('statuses_changed')
    .on('statuses')
    .columns(['changed_at', 'computer_id', 'update_id'])
    .execute();

  // On a parent: the action carried to the child with this row's change number.
  await db.schema.alterTable('child_enablements').addColumn('action', 'text').execute();
  await db.schema.alterTable('child_enablements').addColumn('action_seq', 'bigint').execute();
  await db.schema.alterTable('child_enablements').addColumn('action_reason', 'text').execute();
  await db.schema.alterTable('child_enablements').addColumn('action_by', 'text').execute();
  await db.schema.alterTable('child_enablements').addColumn('action_at', 'bigint').execute();
  /** The cursor of the last status batch this parent stored for the child. */
  await db.schema.alterTable('child_servers').addColumn('status_cursor', 'text').execute();
  await db.schema
    .createTable('child_computer_statuses')
    .addColumn('child_id', 'text', (c) =>
      c.notNull().references('child_servers.id').onDelete('cascade'),
    )
    /** The computer's id on the child. */
    .addColumn('computer_id', 'text', (c) => c.notNull())
    .addColumn('update_id', 'text', (c) => c.notNull())
    .addColumn('hostname', 'text', (c) => c.notNull())
    /** This server's deployment; the one the child made of it. */
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('local_deployment_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('message', 'text')
    /** The child's times: the status's, and when the row last changed there. */
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('child_computer_statuses_pk', ['child_id', 'computer_id', 'update_id'])
    .execute();
  await db.schema
    .createIndex('child_computer_statuses_deployment')
    .on('child_computer_statuses')
    .columns(['deployment_id', 'state'])
    .execute();

  // On a child: the parent's last action for the deployment, and the last one applied here.
  await db.schema.alterTable('upstream_deployments').addColumn('action', 'text').execute();
  await db.schema.alterTable('upstream_deployments').addColumn('action_seq', 'bigint').execute();
  await db.schema.alterTable('upstream_deployments').addColumn('action_reason', 'text').execute();
  await db.schema.alterTable('upstream_deployments').addColumn('action_by', 'text').execute();
  await db.schema
    .alterTable('upstream_deployments')
    .addColumn('applied_action_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  /** The cursor the parent acknowledged for the last status batch sent. */
  await db.schema.alterTable('upstream_link').addColumn('status_cursor', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('upstream_link').dropColumn('status_cursor').execute();
  for (const column of [
    'applied_action_seq',
    'action_by',
    'action_reason',
    'action_seq',
    'action',
  ]) {
    await db.schema.alterTable('upstream_deployments').dropColumn(column).execute();
  }
  await db.schema.dropIndex('child_computer_statuses_deployment').execute();
  await db.schema.dropTable('child_computer_statuses').execute();
  await db.schema.alterTable('child_servers').dropColumn('status_cursor').execute();
  for (const column of ['action_at', 'action_by', 'action_reason', 'action_seq', 'action']) {
    await db.schema.alterTable('child_enablements').dropColumn(column).execute();
  }
  await db.schema.dropIndex('statuses_changed').execute();
  await db.schema.alterTable('statuses').dropColumn('changed_at').execute();
}
