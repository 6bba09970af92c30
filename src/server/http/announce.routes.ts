import { announceRoutes } from '../../contracts/announce-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** E-mails sent and their templates; webhooks and their deliveries. */
export function announceHandlers(services: Services): RouteHandlers<typeof announceRoutes> {
  const { announce } = services;
  return {
    listNotifications: ({ query }) => announce.listNotifications(query),
    getNotification: ({ params }) => announce.notification(params.id),
    getNotificationTemplate: ({ params }) => announce.template(params.kind),
    setNotificationTemplate: ({ params, body, actor }) =>
      announce.setTemplate(params.kind, body, actor.name),
    listWebhooks: ({ query }) => announce.listWebhooks(query),
    createWebhook: ({ body, actor }) => announce.createWebhook(body, actor.name),
    removeWebhook: ({ params }) => announce.removeWebhook(params.id),
    listWebhookDeliveries: ({ params, query }) => announce.deliveries(params.id, query),
  };
}
