import type { Kysely } from 'kysely';

/**
 * Parent and child servers. On a parent: its children, which deployment each child is
 * enabled for (a change numbered per child: the child pulls the changes after its cursor),
 * and the statuses each child reported up. On a child: its parent, the cursor, and each
 * deployment the parent enabled for it with the deployment made here from it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('child_servers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    /** The API token (role child) the child calls with: it names the child. */
    .addColumn('token_id', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    /** The last enablement change's number; the next is one more. */
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    /** When the child last pulled its changes (its freshness). */
    .addColumn('last_sync_at', 'bigint')
    /** When the child last reported its statuses up. */
    .addColumn('last_report_at', 'bigint')
    .execute();
  await db.schema
    .createTable('child_enablements')
    .addColumn('child_id', 'text', (c) =>
      c.notNull().references('child_servers.id').onDelete('cascade'),
    )
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    /** 1: enabled (the child makes the deployment); 0: held. */
    .addColumn('enabled', 'integer', (c) => c.notNull())
    /** The change's number for this child: the child's cursor counts these. */
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('child_enablements_pk', ['child_id', 'deployment_id'])
    .execute();
  await db.schema
    .createIndex('child_enablements_seq')
    .on('child_enablements')
    .columns(['child_id', 'seq'])
    .unique()
    .execute();
  await db.schema
    .createTable('child_statuses')
    .addColumn('child_id', 'text', (c) =>
      c.notNull().references('child_servers.id').onDelete('cascade'),
    )
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    /** The deployment the child made from it; null while it could not (see error). */
    .addColumn('local_deployment_id', 'text')
    .addColumn('state', 'text')
    /** Computer × update pairs per status state, as JSON. */
    .addColumn('counts', 'text', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('error', 'text')
    /** The child's clock when it counted. */
    .addColumn('counted_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('child_statuses_pk', ['child_id', 'deployment_id'])
    .execute();
  await db.schema
    .createTable('upstream_link')
    /** One row: this server's parent. */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('parent_url', 'text', (c) => c.notNull())
    /** This child's name at the parent, as the parent said at the first contact. */
    .addColumn('child_name', 'text')
    /** The parent's bundle signing key id, pinned at the first contact. */
    .addColumn('signer', 'text')
    /** The number of the last enablement change pulled. */
    .addColumn('cursor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_sync_at', 'bigint')
    .addColumn('last_report_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'bigint')
    .execute();
  await db.schema
    .createTable('upstream_deployments')
    .addColumn('parent_deployment_id', 'text', (c) => c.primaryKey())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    /** The deployment made here from the parent's bundle; null until it is. */
    .addColumn('local_deployment_id', 'text')
    /** Why it could not be made (e.g. a group missing here); retried each sync. */
    .addColumn('error', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('upstream_deployments').execute();
  await db.schema.dropTable('upstream_link').execute();
  await db.schema.dropTable('child_statuses').execute();
  await db.schema.dropIndex('child_enablements_seq').execute();
  await db.schema.dropTable('child_enablements').execute();
  await db.schema.dropTable('child_servers').execute();
}
