import type { Kysely } from 'kysely';

// Migrations take Kysely<unknown>: they must not depend on today's schema types.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('blobs')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('updates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('classification', 'text', (c) => c.notNull())
    .addColumn('manifest', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('update_files')
    .addColumn('update_id', 'text', (c) => c.notNull().references('updates.id').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull().references('blobs.sha256'))
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('update_files_pk', ['update_id', 'path'])
    .execute();

  await db.schema
    .createTable('groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('query', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('enrollment_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('group_id', 'text', (c) => c.references('groups.id').onDelete('set null'))
    .addColumn('expires_at', 'bigint')
    .addColumn('uses_left', 'integer')
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('computers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('credential_hash', 'text', (c) => c.notNull().unique())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('os', 'text', (c) => c.notNull())
    .addColumn('os_version', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('hardware_id', 'text', (c) => c.notNull())
    .addColumn('free_disk_mb', 'double precision', (c) => c.notNull())
    .addColumn('agent_version', 'text', (c) => c.notNull())
    .addColumn('ip_addresses', 'text', (c) => c.notNull())
    .addColumn('site', 'text')
    .addColumn('boot_time', 'text')
    .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('report_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('computers_hostname').on('computers').column('hostname').execute();
  await db.schema
    .createIndex('computers_hardware_id')
    .on('computers')
    .column('hardware_id')
    .execute();

  await db.schema
    .createTable('group_members')
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('computer_id', 'text', (c) =>
      c.notNull().references('computers.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'computer_id'])
    .execute();
  await db.schema
    .createIndex('group_members_computer')
    .on('group_members')
    .column('computer_id')
    .execute();

  await db.schema
    .createTable('deployments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('update_id', 'text', (c) => c.notNull().references('updates.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('deployment_groups')
    .addColumn('deployment_id', 'text', (c) =>
      c.notNull().references('deployments.id').onDelete('cascade'),
    )
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addPrimaryKeyConstraint('deployment_groups_pk', ['deployment_id', 'group_id'])
    .execute();
  await db.schema
    .createIndex('deployment_groups_group')
    .on('deployment_groups')
    .column('group_id')
    .execute();

  await db.schema
    .createTable('statuses')
    .addColumn('computer_id', 'text', (c) =>
      c.notNull().references('computers.id').onDelete('cascade'),
    )
    .addColumn('update_id', 'text', (c) => c.notNull().references('updates.id'))
    .addColumn('deployment_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('exit_code', 'integer')
    .addColumn('output', 'text')
    .addColumn('message', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('installed_at', 'bigint')
    .addPrimaryKeyConstraint('statuses_pk', ['computer_id', 'update_id'])
    .execute();
  await db.schema.createIndex('statuses_update').on('statuses').column('update_id').execute();

  await db.schema
    .createTable('status_events')
    .addColumn('computer_id', 'text', (c) =>
      c.notNull().references('computers.id').onDelete('cascade'),
    )
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('update_id', 'text', (c) => c.notNull())
    .addColumn('deployment_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('exit_code', 'integer')
    .addColumn('message', 'text')
    .addColumn('observed_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_events_pk', ['computer_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'status_events',
    'statuses',
    'deployment_groups',
    'deployments',
    'group_members',
    'computers',
    'enrollment_tokens',
    'groups',
    'update_files',
    'updates',
    'blobs',
    'api_tokens',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
