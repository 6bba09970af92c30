import type { Kysely } from 'kysely';

/**
 * Telling people the rollout schedule: the computer's owner (e-mail, from inventory), the
 * templates admins edit, the notifications (e-mails) and webhook deliveries queued durably
 * and sent in the background, and how far the announcer has read the deployment events.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('computers').addColumn('owner_email', 'text').execute();

  await db.schema
    .createTable('notification_templates')
    /** approved | reminder */
    .addColumn('kind', 'text', (c) => c.primaryKey())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('deployment_id', 'text', (c) =>
      c.notNull().references('deployments.id').onDelete('cascade'),
    )
    /** approved | reminder */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('phase', 'text')
    /** What it announces (the event's id, or the reminder's deployment and phase): one per recipient. */
    .addColumn('source_key', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    /** admin | owner */
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('ics', 'text')
    /** queued | sent | failed | cancelled */
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addUniqueConstraint('notifications_source_recipient', ['source_key', 'recipient'])
    .execute();
  await db.schema
    .createIndex('notifications_due')
    .on('notifications')
    .columns(['state', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('notifications_deployment')
    .on('notifications')
    .columns(['deployment_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('notifications_created')
    .on('notifications')
    .columns(['created_at', 'id'])
    .execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    /** JSON array of event types; empty: every event. */
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('removed_at', 'bigint')
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('webhook_id', 'text', (c) =>
      c.notNull().references('webhooks.id').onDelete('cascade'),
    )
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    /** The JSON body sent, byte for byte the signed one. */
    .addColumn('body', 'text', (c) => c.notNull())
    /** queued | delivered | failed */
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .addUniqueConstraint('webhook_deliveries_event', ['webhook_id', 'event_id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['state', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_webhook')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'created_at', 'id'])
    .execute();

  // The announcer reads the newest events of every deployment each second: by time.
  await db.schema
    .createIndex('deployment_events_at_id')
    .on('deployment_events')
    .columns(['at', 'id'])
    .execute();
  /** Deployment events the announcer has fanned out (once each, whichever replica did it). */
  await db.schema
    .createTable('announced_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  /** The announcer reads events from here (minus a margin): a single row, name `events`. */
  await db.schema
    .createTable('announce_cursor')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('announce_cursor').execute();
  await db.schema.dropTable('announced_events').execute();
  await db.schema.dropIndex('deployment_events_at_id').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhooks').execute();
  await db.schema.dropTable('notifications').execute();
  await db.schema.dropTable('notification_templates').execute();
  await db.schema.alterTable('computers').dropColumn('owner_email').execute();
}
