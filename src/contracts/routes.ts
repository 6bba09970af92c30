import { z } from 'zod';
import { adminRoutes } from './admin-routes.js';
import { agentRoutes } from './agent-routes.js';
import { pointRoutes } from './distribution-routes.js';
import { route, type RouteDeclaration } from './route.js';

/** Answers a load balancer or an operator can ask for without a token. */
export const healthView = z.object({
  status: z.literal('ok'),
  /** The server's clock, which may be virtual (--time-scale). */
  time: z.string(),
  /** Computers holding the push channel on this replica. */
  pushConnected: z.number(),
  engineLeader: z.boolean(),
});
export type HealthView = z.infer<typeof healthView>;

export const serviceRoutes = {
  health: route({
    method: 'GET',
    path: '/healthz',
    summary: "The server's clock, push connections and whether it leads the engine",
    auth: 'public',
    load: 'never',
    response: healthView,
  }),
  metrics: route({
    method: 'GET',
    path: '/metrics',
    summary:
      'Prometheus metrics: computers by health, statuses of active deployments, check-ins, engine ticks',
    auth: 'admin',
    response: 'text',
  }),
  openApi: route({
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document',
    auth: 'public',
    load: 'never',
    response: z.record(z.string(), z.unknown()),
  }),
};

/** Every route the server answers, by name. */
export const allRoutes: Record<string, RouteDeclaration> = {
  ...serviceRoutes,
  ...agentRoutes,
  ...pointRoutes,
  ...adminRoutes,
};
