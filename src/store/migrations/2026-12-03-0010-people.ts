import type { Kysely } from 'kysely';

/**
 * People and roles: local user accounts, and API tokens that belong to a user, expire
 * and can be revoked. A token without a user keeps its own role (the first admin's).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    /** JSON array of group names; null: every group. */
    .addColumn('group_scope', 'text')
    /** An argon2id hash; null: the user cannot sign in with a password. */
    .addColumn('password_hash', 'text')
    .addColumn('disabled_at', 'bigint')
    .addColumn('disabled_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('api_tokens').addColumn('user_id', 'text').execute();
  /** `api` (made with token create) or `session` (made by signing in). */
  await db.schema
    .alterTable('api_tokens')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('api'))
    .execute();
  await db.schema.alterTable('api_tokens').addColumn('expires_at', 'bigint').execute();
  await db.schema.alterTable('api_tokens').addColumn('revoked_at', 'bigint').execute();
  await db.schema.alterTable('api_tokens').addColumn('revoked_by', 'text').execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('api_tokens_user').ifExists().execute();
  for (const column of ['revoked_by', 'revoked_at', 'expires_at', 'kind', 'user_id']) {
    await db.schema.alterTable('api_tokens').dropColumn(column).execute();
  }
  await db.schema.dropTable('users').ifExists().execute();
}
