import type { Kysely } from 'kysely';

/**
 * Signed metadata: the server's signing keys (a private key is null once exported and
 * removed, e.g. the offline root), every root version (agents walk the chain), each
 * computer's signed targets, snapshot and timestamp with their versions (monotonic,
 * shared by every replica), and the rejections agents tell.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('keyid', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('root_metadata')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('signed_metadata')
    .addColumn('computer_id', 'text', (c) =>
      c.primaryKey().references('computers.id').onDelete('cascade'),
    )
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('root_version', 'integer', (c) => c.notNull())
    .addColumn('targets_version', 'bigint', (c) => c.notNull())
    .addColumn('snapshot_version', 'bigint', (c) => c.notNull())
    .addColumn('timestamp_version', 'bigint', (c) => c.notNull())
    .addColumn('targets_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('timestamp_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('rejections')
    .addColumn('computer_id', 'text', (c) =>
      c.notNull().references('computers.id').onDelete('cascade'),
    )
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('role', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rejections_pk', ['computer_id', 'id'])
    .execute();
  await db.schema
    .createIndex('rejections_computer_at')
    .on('rejections')
    .columns(['computer_id', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rejections').ifExists().execute();
  await db.schema.dropTable('signed_metadata').ifExists().execute();
  await db.schema.dropTable('root_metadata').ifExists().execute();
  await db.schema.dropTable('signing_keys').ifExists().execute();
}
