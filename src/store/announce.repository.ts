import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Page, PageRequest } from '../contracts/paging.js';
import { keysetOf, keysetPage } from './paging.js';
import type {
  Database,
  DeploymentEventTable,
  NotificationTable,
  NotificationTemplateTable,
  WebhookDeliveryTable,
  WebhookTable,
} from './schema.js';

export type NotificationRow = Selectable<NotificationTable>;
export type WebhookRow = Selectable<WebhookTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
export type TemplateRow = Selectable<NotificationTemplateTable>;

/** Which queue: the e-mails or the webhook deliveries (same columns for the sending). */
type Queue = 'notifications' | 'webhook_deliveries';

/**
 * What the announcer keeps: the templates, the queues of e-mails and webhook deliveries
 * (durable: a restart sends what was queued), and how far it has read the events.
 */
export class AnnounceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // --- reading the deployment events -------------------------------------------------

  async cursor(): Promise<number | null> {
    const row = await this.db
      .selectFrom('announce_cursor')
      .select('at')
      .where('name', '=', 'events')
      .executeTakeFirst();
    return row ? Number(row.at) : null;
  }

  async setCursor(at: number): Promise<void> {
    await this.db
      .insertInto('announce_cursor')
      .values({ name: 'events', at })
      .onConflict((oc) => oc.column('name').doUpdateSet({ at }))
      .execute();
  }

  /** Events at or after `from` not yet announced, oldest first. */
  unannouncedEvents(from: number, limit: number): Promise<Selectable<DeploymentEventTable>[]> {
    return this.db
      .selectFrom('deployment_events as e')
      .leftJoin('announced_events as a', 'a.event_id', 'e.id')
      .selectAll('e')
      .where('e.at', '>=', from)
      .where('a.event_id', 'is', null)
      .orderBy('e.at')
      .orderBy('e.id')
      .limit(limit)
      .execute();
  }

  async markAnnounced(eventId: string, at: number): Promise<void> {
    await this.db
      .insertInto('announced_events')
      .values({ event_id: eventId, at })
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute();
  }

  /** The owners' e-mails of these computers (only those that have one). */
  async ownerEmails(computerIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < computerIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('computers')
        .select(['id', 'owner_email'])
        .where('id', 'in', computerIds.slice(i, i + 500))
        .where('owner_email', 'is not', null)
        .execute();
      for (const r of rows) if (r.owner_email !== null) out.set(r.id, r.owner_email);
    }
    return out;
  }

  // --- templates ---------------------------------------------------------------------

  template(kind: string): Promise<TemplateRow | undefined> {
    return this.db
      .selectFrom('notification_templates')
      .selectAll()
      .where('kind', '=', kind)
      .executeTakeFirst();
  }

  async setTemplate(row: TemplateRow): Promise<void> {
    const { kind: _kind, ...rest } = row;
    await this.db
      .insertInto('notification_templates')
      .values(row)
      .onConflict((oc) => oc.column('kind').doUpdateSet(rest))
      .execute();
  }

  async resetTemplate(kind: string): Promise<void> {
    await this.db.deleteFrom('notification_templates').where('kind', '=', kind).execute();
  }

  // --- e-mails -----------------------------------------------------------------------

  /** Queues them; one already queued for the same source and recipient is kept as it was. */
  async queueNotifications(rows: Insertable<NotificationTable>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('notifications')
      .values(rows)
      .onConflict((oc) => oc.columns(['source_key', 'recipient']).doNothing())
      .execute();
  }

  findNotification(id: string): Promise<NotificationRow | undefined> {
    return this.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  }

  pageNotifications(
    filter: {
      deployment?: string | undefined;
      state?: string | undefined;
      kind?: string | undefined;
    },
    page: PageRequest<'createdAt'>,
  ): Promise<Page<NotificationRow>> {
    let base = this.db.selectFrom('notifications as n');
    if (filter.deployment !== undefined)
      base = base.where('n.deployment_id', '=', filter.deployment);
    if (filter.state !== undefined) base = base.where('n.state', '=', filter.state);
    if (filter.kind !== undefined) base = base.where('n.kind', '=', filter.kind);
    return keysetPage(
      base.selectAll('n'),
      base.select((eb) => eb.fn.countAll().as('n')),
      keysetOf('n.created_at', 'n.id'),
      page,
    );
  }

  // --- webhooks ----------------------------------------------------------------------

  async addWebhook(row: Insertable<WebhookTable>): Promise<void> {
    await this.db.insertInto('webhooks').values(row).execute();
  }

  findWebhook(id: string): Promise<WebhookRow | undefined> {
    return this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async removeWebhook(id: string, at: number): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({ removed_at: at })
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .execute();
    // What was still queued for it is not sent any more.
    await this.db
      .updateTable('webhook_deliveries')
      .set({ state: 'failed', last_error: 'webhook removed', claimed_until: null })
      .where('webhook_id', '=', id)
      .where('state', '=', 'queued')
      .execute();
  }

  liveWebhooks(): Promise<WebhookRow[]> {
    return this.db.selectFrom('webhooks').selectAll().where('removed_at', 'is', null).execute();
  }

  pageWebhooks(page: PageRequest<'createdAt'>): Promise<Page<WebhookRow>> {
    const base = this.db.selectFrom('webhooks as w').where('w.removed_at', 'is', null);
    return keysetPage(
      base.selectAll('w'),
      base.select((eb) => eb.fn.countAll().as('n')),
      keysetOf('w.created_at', 'w.id'),
      page,
    );
  }

  /** Per webhook: its deliveries by state, and the newest error. */
  async deliveryCounts(
    webhookIds: readonly string[],
  ): Promise<Map<string, { counts: Record<string, number>; lastError: string | null }>> {
    const out = new Map<string, { counts: Record<string, number>; lastError: string | null }>();
    if (webhookIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['webhook_id', 'state', (eb) => eb.fn.countAll().as('n')])
      .where('webhook_id', 'in', webhookIds)
      .groupBy(['webhook_id', 'state'])
      .execute();
    for (const id of webhookIds) out.set(id, { counts: {}, lastError: null });
    for (const r of rows) {
      const entry = out.get(r.webhook_id);
      if (entry) entry.counts[r.state] = Number(r.n);
    }
    for (const id of webhookIds) {
      const last = await this.db
        .selectFrom('webhook_deliveries')
        .select('last_error')
        .where('webhook_id', '=', id)
        .where('last_error', 'is not', null)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      const entry = out.get(id);
      if (entry) entry.lastError = last?.last_error ?? null;
    }
    return out;
  }

  async queueDeliveries(rows: Insertable<WebhookDeliveryTable>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('webhook_deliveries')
      .values(rows)
      .onConflict((oc) => oc.columns(['webhook_id', 'event_id']).doNothing())
      .execute();
  }

  pageDeliveries(
    webhookId: string,
    filter: { state?: string | undefined },
    page: PageRequest<'createdAt'>,
  ): Promise<Page<WebhookDeliveryRow>> {
    let base = this.db.selectFrom('webhook_deliveries as d').where('d.webhook_id', '=', webhookId);
    if (filter.state !== undefined) base = base.where('d.state', '=', filter.state);
    return keysetPage(
      base.selectAll('d'),
      base.select((eb) => eb.fn.countAll().as('n')),
      keysetOf('d.created_at', 'd.id'),
      page,
    );
  }

  // --- sending -----------------------------------------------------------------------

  /**
   * Claims up to `limit` due rows of a queue until `leaseUntil`: another replica (or a
   * second pass) skips them; a process that dies leaves them to be claimed again after.
   */
  claimDueNotifications(now: number, leaseUntil: number, limit: number) {
    return this.claim('notifications', now, leaseUntil, limit) as Promise<NotificationRow[]>;
  }

  claimDueDeliveries(now: number, leaseUntil: number, limit: number) {
    return this.claim('webhook_deliveries', now, leaseUntil, limit) as Promise<
      WebhookDeliveryRow[]
    >;
  }

  private async claim(
    queue: Queue,
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<(NotificationRow | WebhookDeliveryRow)[]> {
    const db = this.db as unknown as Kysely<Record<Queue, NotificationTable>>;
    const due = (qb: typeof db) =>
      qb
        .selectFrom(queue)
        .select('id')
        .where('state', '=', 'queued')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit);
    const rows = await db
      .updateTable(queue)
      .set({ claimed_until: leaseUntil })
      .where('id', 'in', due(db))
      .where('state', '=', 'queued')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .returningAll()
      .execute();
    return rows;
  }

  async notificationSent(id: string, at: number): Promise<void> {
    await this.db
      .updateTable('notifications')
      .set((eb) => ({
        state: 'sent',
        sent_at: at,
        claimed_until: null,
        last_error: null,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', id)
      .execute();
  }

  /** A failed attempt: tried again at `retryAt`, or `failed` for good when null. */
  async notificationFailed(id: string, error: string, retryAt: number | null): Promise<void> {
    await this.db
      .updateTable('notifications')
      .set((eb) => ({
        state: retryAt === null ? 'failed' : 'queued',
        next_attempt_at: retryAt ?? sql<number>`next_attempt_at`,
        claimed_until: null,
        last_error: error.slice(0, 2000),
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', id)
      .execute();
  }

  async notificationCancelled(id: string, why: string): Promise<void> {
    await this.db
      .updateTable('notifications')
      .set({ state: 'cancelled', claimed_until: null, last_error: why })
      .where('id', '=', id)
      .execute();
  }

  /** Not yet: claimed back into the queue at `at` without counting an attempt. */
  async notificationLater(id: string, at: number): Promise<void> {
    await this.db
      .updateTable('notifications')
      .set({ next_attempt_at: at, claimed_until: null })
      .where('id', '=', id)
      .execute();
  }

  async deliveryDone(id: string, status: number, at: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        state: 'delivered',
        delivered_at: at,
        last_status: status,
        claimed_until: null,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', id)
      .execute();
  }

  async deliveryFailed(
    id: string,
    status: number | null,
    error: string,
    retryAt: number | null,
  ): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        state: retryAt === null ? 'failed' : 'queued',
        next_attempt_at: retryAt ?? sql<number>`next_attempt_at`,
        last_status: status,
        claimed_until: null,
        last_error: error.slice(0, 2000),
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', id)
      .where('state', '=', 'queued')
      .execute();
  }
}
