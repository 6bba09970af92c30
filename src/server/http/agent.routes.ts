import type { FastifyInstance } from 'fastify';
import { agentRoutes } from '../../contracts/agent-routes.js';
import type { Services } from '../services/index.js';
import { pointRoutes } from '../../contracts/distribution-routes.js';
import { openWakeStream, sendContent, sendFile } from './agent-streams.js';
import { registerRoutes, type RouteHandlers } from './register.js';

function agentHandlers(services: Services): RouteHandlers<typeof agentRoutes> {
  const { enrollments, agent, scans, signing, distribution } = services;
  return {
    // The address a subnet rule places the computer by: the one this server sees.
    enroll: async ({ body, request }) => ({
      ...(await enrollments.enroll(body, request.ip)),
      root: await signing.latestRoot(),
    }),
    root: ({ params }) => signing.root(params.version),
    checkin: async ({ computer, body, request, reply }) => {
      const answer = await agent.checkin(computer, body, request.ip);
      if (answer !== 'unchanged') return answer;
      // The agent holds this very answer (its answerTag): 204, nothing to send.
      await reply.status(204).send();
      return reply as never;
    },
    reports: ({ computer, body }) => agent.report(computer.id, body.reports),
    scanRules: ({ computer }) => scans.rulesFor(computer),
    scan: ({ computer, body }) => scans.report(computer.id, body),
    wake: ({ computer, request, reply }) => openWakeStream(services, computer.id, request, reply),
    content: ({ computer, params, request, reply }) =>
      sendContent(services, computer.id, params.sha256, request, reply),
    contentProblem: ({ computer, body }) => distribution.agentProblem(computer, body),
  };
}

function pointHandlers(services: Services): RouteHandlers<typeof pointRoutes> {
  const { distribution } = services;
  return {
    pointNeeds: ({ point }) => distribution.needs(point),
    pointContent: async ({ point, params, request, reply }) =>
      sendFile(
        services,
        'distribution-point',
        await distribution.mayServe(point, params.sha256),
        params.sha256,
        request,
        reply,
      ),
    pointStaging: ({ point, body }) => distribution.staging(point, body),
  };
}

/** The agent protocol: each call after enrollment is authenticated as one computer. */
export function registerAgentRoutes(app: FastifyInstance, services: Services): void {
  registerRoutes(app, agentRoutes, agentHandlers(services), () => services.auth);
  registerRoutes(app, pointRoutes, pointHandlers(services), () => services.auth);
}
