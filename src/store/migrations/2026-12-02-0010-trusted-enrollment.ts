import type { Kysely } from 'kysely';

/**
 * Enrollment an admin can trust: an enrollment nonce makes an agent's retry find the
 * computer it already created, a claimed re-image waits in `reimage_requests` for an
 * admin, and tokens and credentials can be revoked (who and when).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('computers').addColumn('enrollment_nonce_hash', 'text').execute();
  await db.schema.alterTable('computers').addColumn('revoked_at', 'bigint').execute();
  await db.schema.alterTable('computers').addColumn('revoked_by', 'text').execute();
  await db.schema
    .createIndex('computers_enrollment_nonce')
    .on('computers')
    .column('enrollment_nonce_hash')
    .unique()
    .execute();
  await db.schema.alterTable('enrollment_tokens').addColumn('revoked_at', 'bigint').execute();
  await db.schema.alterTable('enrollment_tokens').addColumn('revoked_by', 'text').execute();

  await db.schema
    .createTable('reimage_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('computer_id', 'text', (c) =>
      c.notNull().references('computers.id').onDelete('cascade'),
    )
    .addColumn('nonce_hash', 'text', (c) => c.notNull().unique())
    .addColumn('enrollment_id', 'text', (c) => c.notNull())
    .addColumn('credential_hash', 'text', (c) => c.notNull())
    .addColumn('inventory', 'text', (c) => c.notNull())
    /** pending | approved | refused */
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'text')
    .execute();
  await db.schema
    .createIndex('reimage_requests_computer')
    .on('reimage_requests')
    .columns(['computer_id', 'requested_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('reimage_requests').execute();
  await db.schema.dropIndex('computers_enrollment_nonce').ifExists().execute();
  for (const column of ['revoked_by', 'revoked_at']) {
    await db.schema.alterTable('enrollment_tokens').dropColumn(column).execute();
  }
  for (const column of ['revoked_by', 'revoked_at', 'enrollment_nonce_hash']) {
    await db.schema.alterTable('computers').dropColumn(column).execute();
  }
}
