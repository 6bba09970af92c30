import type {
  CreateWebhookRequest,
  DeliveryListQuery,
  DeliveryView,
  NotificationDetailView,
  NotificationListQuery,
  NotificationView,
  SetTemplateRequest,
  TemplateView,
  WebhookView,
} from '../../contracts/announce-routes.js';
import type { Page, PageRequest } from '../../contracts/paging.js';
import type { Clock } from '../../domain/clock.js';
import {
  placeholders,
  unknownPlaceholders,
  type NotificationKind,
} from '../../domain/announce/template.js';
import { NotFoundError, ValidationError, type FieldIssue } from '../../domain/errors.js';
import type {
  AnnounceRepository,
  NotificationRow,
  WebhookDeliveryRow,
  WebhookRow,
} from '../../store/announce.repository.js';
import { newId } from '../services/secrets.js';
import type { Announcer } from './announcer.js';

const iso = (ms: number | null): string | null =>
  ms === null ? null : new Date(Number(ms)).toISOString();
const isoOf = (ms: number): string => new Date(Number(ms)).toISOString();

function toNotificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    deploymentId: row.deployment_id,
    kind: row.kind as NotificationView['kind'],
    phase: row.phase,
    recipient: row.recipient,
    audience: row.audience as NotificationView['audience'],
    subject: row.subject,
    state: row.state as NotificationView['state'],
    attempts: Number(row.attempts),
    sendAt: isoOf(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: isoOf(row.created_at),
    sentAt: iso(row.sent_at),
  };
}

function toDeliveryView(row: WebhookDeliveryRow): DeliveryView {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    deploymentId: row.deployment_id,
    eventType: row.event_type,
    state: row.state as DeliveryView['state'],
    attempts: Number(row.attempts),
    nextAttemptAt: isoOf(row.next_attempt_at),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    createdAt: isoOf(row.created_at),
    deliveredAt: iso(row.delivered_at),
  };
}

/** The admin's side of telling people: what was sent, the templates, the webhooks. */
export class AnnounceService {
  constructor(
    private readonly repo: AnnounceRepository,
    private readonly announcer: Announcer,
    private readonly clock: Clock,
  ) {}

  async listNotifications(query: NotificationListQuery): Promise<Page<NotificationView>> {
    const { deployment, state, kind, ...page } = query;
    const result = await this.repo.pageNotifications({ deployment, state, kind }, page);
    return { ...result, items: result.items.map(toNotificationView) };
  }

  async notification(id: string): Promise<NotificationDetailView> {
    const row = await this.repo.findNotification(id);
    if (!row) throw new NotFoundError('notification', id);
    return { ...toNotificationView(row), text: row.text_body, html: row.html_body, ics: row.ics };
  }

  async template(kind: NotificationKind): Promise<TemplateView> {
    const row = await this.repo.template(kind);
    const t = await this.announcer.template(kind);
    return {
      kind,
      ...t,
      custom: row !== undefined,
      updatedAt: row ? isoOf(row.updated_at) : null,
      updatedBy: row?.updated_by ?? null,
      placeholders: [...placeholders],
    };
  }

  async setTemplate(
    kind: NotificationKind,
    request: SetTemplateRequest,
    actor: string,
  ): Promise<TemplateView> {
    const { reset, ...fields } = request;
    const given = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (reset === true) {
      if (given.length > 0) {
        const message = 'reset takes no other field';
        throw new ValidationError(`reset: ${message}`, [{ field: 'reset', message }]);
      }
      await this.repo.resetTemplate(kind);
      return this.template(kind);
    }
    if (given.length === 0) {
      const message = 'give subject, text or html (or reset)';
      throw new ValidationError(`(body): ${message}`, [{ field: '(body)', message }]);
    }
    const issues: FieldIssue[] = [];
    for (const [field, value] of given) {
      const unknown = unknownPlaceholders(value);
      if (unknown.length > 0) {
        issues.push({
          field,
          message: `unknown placeholder ${unknown.map((u) => `{{${u}}}`).join(', ')}; known: ${placeholders.join(', ')}`,
        });
      }
    }
    if (issues.length > 0) {
      throw new ValidationError(issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
    }
    const current = await this.announcer.template(kind);
    await this.repo.setTemplate({
      kind,
      subject: fields.subject ?? current.subject,
      text: fields.text ?? current.text,
      html: fields.html ?? current.html,
      updated_at: this.clock.now(),
      updated_by: actor,
    });
    return this.template(kind);
  }

  private async webhookViews(rows: WebhookRow[]): Promise<WebhookView[]> {
    const counts = await this.repo.deliveryCounts(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      events: JSON.parse(r.events) as string[],
      createdAt: isoOf(r.created_at),
      createdBy: r.created_by,
      deliveries: counts.get(r.id)?.counts ?? {},
      lastError: counts.get(r.id)?.lastError ?? null,
    }));
  }

  private async webhook(id: string): Promise<WebhookRow> {
    const row = await this.repo.findWebhook(id);
    if (!row || row.removed_at !== null) throw new NotFoundError('webhook', id);
    return row;
  }

  async createWebhook(request: CreateWebhookRequest, actor: string): Promise<WebhookView> {
    const id = newId('whk');
    await this.repo.addWebhook({
      id,
      url: request.url,
      secret: request.secret,
      events: JSON.stringify([...new Set(request.events)]),
      created_at: this.clock.now(),
      created_by: actor,
      removed_at: null,
    });
    const [view] = await this.webhookViews([await this.webhook(id)]);
    if (!view) throw new NotFoundError('webhook', id);
    return view;
  }

  async listWebhooks(page: PageRequest<'createdAt'>): Promise<Page<WebhookView>> {
    const result = await this.repo.pageWebhooks(page);
    return { ...result, items: await this.webhookViews(result.items) };
  }

  async removeWebhook(id: string): Promise<WebhookView> {
    const row = await this.webhook(id);
    await this.repo.removeWebhook(id, this.clock.now());
    const [view] = await this.webhookViews([row]);
    if (!view) throw new NotFoundError('webhook', id);
    return view;
  }

  async deliveries(id: string, query: DeliveryListQuery): Promise<Page<DeliveryView>> {
    await this.webhook(id);
    const { state, ...page } = query;
    const result = await this.repo.pageDeliveries(id, { state }, page);
    return { ...result, items: result.items.map(toDeliveryView) };
  }
}
