import type { Kysely } from 'kysely';

/**
 * Every list is read a page at a time by keyset: `ORDER BY sort, id` from where the last
 * page ended. Each (filter, sort) pair gets an index that yields its rows in that order,
 * so a page reads about `limit` rows however deep it is (see docs/performance.md).
 */
const indexes: [name: string, table: string, columns: string[]][] = [
  // computers: sort by hostname / enrolled / os; filter by os or site, sorted by hostname.
  ['computers_hostname_id', 'computers', ['hostname', 'id']],
  ['computers_enrolled_id', 'computers', ['enrolled_at', 'id']],
  ['computers_os_id', 'computers', ['os', 'id']],
  ['computers_os_hostname_id', 'computers', ['os', 'hostname', 'id']],
  ['computers_site_hostname_id', 'computers', ['site', 'hostname', 'id']],
  // health (online / offline / never seen) is a range of last_seen_at.
  ['computers_last_seen', 'computers', ['last_seen_at']],
  ['updates_created_id', 'updates', ['created_at', 'id']],
  ['updates_title_id', 'updates', ['title', 'id']],
  ['deployments_created_id', 'deployments', ['created_at', 'id']],
  ['deployments_state_created_id', 'deployments', ['state', 'created_at', 'id']],
  ['enrollment_tokens_created_id', 'enrollment_tokens', ['created_at', 'id']],
  ['groups_created_id', 'groups', ['created_at', 'id']],
  ['reimage_requests_requested_id', 'reimage_requests', ['requested_at', 'id']],
  ['reimage_requests_state_requested_id', 'reimage_requests', ['state', 'requested_at', 'id']],
  ['deployment_events_deployment_at_id', 'deployment_events', ['deployment_id', 'at', 'id']],
  [
    'deployment_events_deployment_type_at_id',
    'deployment_events',
    ['deployment_id', 'type', 'at', 'id'],
  ],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).on(table).columns(columns).execute();
  }
  // Led by the same column, the wider index does the narrower one's work.
  await db.schema.dropIndex('computers_hostname').ifExists().execute();
  await db.schema.dropIndex('deployment_events_deployment').ifExists().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('computers_hostname').on('computers').column('hostname').execute();
  await db.schema
    .createIndex('deployment_events_deployment')
    .on('deployment_events')
    .columns(['deployment_id', 'at'])
    .execute();
  for (const [name] of indexes) await db.schema.dropIndex(name).ifExists().execute();
}
