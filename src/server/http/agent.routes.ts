import type { FastifyInstance } from 'fastify';
import { agentRoutes } from '../../contracts/agent-routes.js';
import type { Services } from '../services/index.js';
import { openWakeStream, sendContent } from './agent-streams.js';
import { registerRoutes, type RouteHandlers } from './register.js';

function agentHandlers(services: Services): RouteHandlers<typeof agentRoutes> {
  const { enrollments, agent, scans, signing } = services;
  return {
    enroll: async ({ body }) => ({
      ...(await enrollments.enroll(body)),
      root: await signing.latestRoot(),
    }),
    root: ({ params }) => signing.root(params.version),
    checkin: ({ computer, body }) => agent.checkin(computer, body),
    reports: ({ computer, body }) => agent.report(computer.id, body.reports),
    scanRules: ({ computer }) => scans.rulesFor(computer),
    scan: ({ computer, body }) => scans.report(computer.id, body),
    wake: ({ computer, request, reply }) => openWakeStream(services, computer.id, request, reply),
    content: ({ computer, params, request, reply }) =>
      sendContent(services, computer.id, params.sha256, request, reply),
  };
}

/** The agent protocol: each call after enrollment is authenticated as one computer. */
export function registerAgentRoutes(app: FastifyInstance, services: Services): void {
  registerRoutes(app, agentRoutes, agentHandlers(services), () => services.auth);
}
