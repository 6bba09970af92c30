import { z } from 'zod';
import { notificationKinds, placeholders } from '../domain/announce/template.js';
import { pageOf, pageQuery } from './paging.js';
import { route } from './route.js';
import { idParams } from './route-params.js';

/** Telling people the rollout schedule: e-mails (with templates) and webhooks. */

export { notificationKinds };
export const notificationStates = ['queued', 'sent', 'failed', 'cancelled'] as const;
export const deliveryStates = ['queued', 'delivered', 'failed'] as const;
export const announceSorts = ['createdAt'] as const;

const text = z.string().min(1).max(200);

export const notificationListQuery = pageQuery(announceSorts, {
  sort: 'createdAt',
  order: 'desc',
}).extend({
  deployment: text.optional(),
  state: z.enum(notificationStates).optional(),
  kind: z.enum(notificationKinds).optional(),
});
export type NotificationListQuery = z.output<typeof notificationListQuery>;

export const notificationView = z.object({
  id: z.string(),
  deploymentId: z.string(),
  kind: z.enum(notificationKinds),
  phase: z.string().nullable(),
  recipient: z.string(),
  /** admin: a configured address; owner: the owner of target computers (inventory). */
  audience: z.enum(['admin', 'owner']),
  subject: z.string(),
  state: z.enum(notificationStates),
  attempts: z.number(),
  /** When it is (or was last) due to be sent. */
  sendAt: z.string(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});
export type NotificationView = z.infer<typeof notificationView>;

export const notificationDetailView = notificationView.extend({
  text: z.string(),
  html: z.string(),
  /** The calendar event attached (iCalendar), with its reminder alarm. */
  ics: z.string().nullable(),
});
export type NotificationDetailView = z.infer<typeof notificationDetailView>;

export const templateParams = z.object({ kind: z.enum(notificationKinds) });

export const templateView = z.object({
  kind: z.enum(notificationKinds),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  /** False: the built-in template (never set, or reset). */
  custom: z.boolean(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
  /** What `{{…}}` may name. */
  placeholders: z.array(z.string()),
});
export type TemplateView = z.infer<typeof templateView>;

const templateText = z.string().min(1).max(100_000);
export const setTemplateRequest = z.strictObject({
  subject: z.string().min(1).max(500).optional(),
  text: templateText.optional(),
  html: templateText.optional(),
  /** Back to the built-in template (the other fields must be absent). */
  reset: z.boolean().optional(),
});
export type SetTemplateRequest = z.infer<typeof setTemplateRequest>;

/** A deployment event's type as the deployment's events list it: `created`, `phase-opened`, `halted`, … */
const eventType = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z-]*$/, { message: 'an event type such as created, phase-opened, halted' });

export const createWebhookRequest = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).max(2000),
  /** The key of the HMAC-SHA256 signature of every delivery (at least 16 characters). */
  secret: z.string().min(16, { message: 'at least 16 characters' }).max(500),
  events: z.array(eventType).max(50).default([]),
});
export type CreateWebhookRequest = z.infer<typeof createWebhookRequest>;

export const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  /** Empty: every event. */
  events: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  /** Its deliveries by state (queued, delivered, failed). */
  deliveries: z.record(z.string(), z.number()),
  lastError: z.string().nullable(),
});
export type WebhookView = z.infer<typeof webhookView>;

export const webhookListQuery = pageQuery(announceSorts, { sort: 'createdAt', order: 'desc' });

export const deliveryListQuery = pageQuery(announceSorts, {
  sort: 'createdAt',
  order: 'desc',
}).extend({ state: z.enum(deliveryStates).optional() });
export type DeliveryListQuery = z.output<typeof deliveryListQuery>;

export const deliveryView = z.object({
  id: z.string(),
  webhookId: z.string(),
  eventId: z.string(),
  deploymentId: z.string(),
  eventType: z.string(),
  state: z.enum(deliveryStates),
  attempts: z.number(),
  nextAttemptAt: z.string(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type DeliveryView = z.infer<typeof deliveryView>;

export const announceRoutes = {
  listNotifications: route({
    method: 'GET',
    path: '/api/v1/notifications',
    summary:
      'The e-mails queued, sent, failed or cancelled, a page at a time (filter by deployment)',
    auth: 'admin',
    query: notificationListQuery,
    response: pageOf(notificationView),
  }),
  getNotification: route({
    method: 'GET',
    path: '/api/v1/notifications/:id',
    summary: 'One e-mail, with its text, HTML and calendar event',
    auth: 'admin',
    params: idParams,
    response: notificationDetailView,
  }),
  getNotificationTemplate: route({
    method: 'GET',
    path: '/api/v1/notification-templates/:kind',
    summary: `An e-mail template (approved, reminder): subject, text and HTML with {{${placeholders[0]}}}-style placeholders`,
    auth: 'admin',
    params: templateParams,
    response: templateView,
  }),
  setNotificationTemplate: route({
    method: 'PUT',
    path: '/api/v1/notification-templates/:kind',
    summary: 'Change an e-mail template (only the fields given), or reset it to the built-in one',
    auth: 'admin',
    params: templateParams,
    body: setTemplateRequest,
    response: templateView,
  }),
  listWebhooks: route({
    method: 'GET',
    path: '/api/v1/webhooks',
    summary: 'The webhooks, with their deliveries by state and the last error',
    auth: 'admin',
    query: webhookListQuery,
    response: pageOf(webhookView),
  }),
  createWebhook: route({
    method: 'POST',
    path: '/api/v1/webhooks',
    summary: 'A webhook: deployment events POSTed as JSON, signed with HMAC-SHA256',
    auth: 'admin',
    body: createWebhookRequest,
    response: webhookView,
    status: 201,
  }),
  removeWebhook: route({
    method: 'POST',
    path: '/api/v1/webhooks/:id/remove',
    summary: 'Remove a webhook: nothing more is sent to it, what was queued is given up',
    auth: 'admin',
    params: idParams,
    response: webhookView,
  }),
  listWebhookDeliveries: route({
    method: 'GET',
    path: '/api/v1/webhooks/:id/deliveries',
    summary: "A webhook's deliveries: state, attempts, last HTTP status and error",
    auth: 'admin',
    params: idParams,
    query: deliveryListQuery,
    response: pageOf(deliveryView),
  }),
};
