import type { deploymentRoutes } from '../../contracts/deployment-routes.js';
import type { Services } from '../services/index.js';
import type { Actor } from './auth.js';
import { openDeploymentLive } from './deployment-live.js';
import type { RouteHandlers } from './register.js';
import { requestedGroups, requireScope } from './scope.js';

/** Deployments, and the one-action changes: halt, resume, revoke, rollback, promote, redeploy. */
export function deploymentHandlers(services: Services): RouteHandlers<typeof deploymentRoutes> {
  const { deployments, deploymentActions: actions, scans } = services;
  /** A scoped caller acts only on a deployment whose every target group is in scope. */
  const inScope = async (id: string, actor: Actor) => {
    if (actor.groupScope !== null) requireScope(actor, (await deployments.show(id)).groups);
  };
  return {
    listDeployments: ({ query }) => deployments.list(query),
    createDeployment: async ({ body, actor }) => {
      requireScope(actor, requestedGroups(body));
      const created = await deployments.create(body, actor.name);
      // The SLA is checked with the request; it is kept beside the deployment for its review.
      if (body.sla !== undefined) await services.reviews.setSla(created.id, body.sla, actor.name);
      return created;
    },
    dryRunDeployment: ({ body, actor }) => {
      requireScope(actor, requestedGroups(body));
      return deployments.dryRun(body);
    },
    getDeployment: async ({ params }) => {
      const view = await deployments.show(params.id);
      return { ...view, discrepancies: await scans.discrepancies({ deploymentId: view.id }) };
    },
    watchDeployment: ({ params, request, reply }) =>
      openDeploymentLive(services, params.id, request, reply),
    listDeploymentEvents: ({ params, query }) => actions.listEvents(params.id, query),
    listDeploymentComputers: ({ params, query }) => deployments.computers(params.id, query),
    haltDeployment: async ({ params, body, actor }) => {
      await inScope(params.id, actor);
      return actions.change(params.id, 'halt', body.reason, actor.name);
    },
    resumeDeployment: async ({ params, body, actor }) => {
      await inScope(params.id, actor);
      return actions.change(params.id, 'resume', body.reason, actor.name);
    },
    revokeDeployment: async ({ params, body, actor }) => {
      await inScope(params.id, actor);
      return actions.change(params.id, 'revoke', body.reason, actor.name);
    },
    rollbackDeployment: async ({ params, body, actor }) => {
      await inScope(params.id, actor);
      return actions.change(params.id, 'rollback', body.reason, actor.name);
    },
    promoteDeployment: async ({ params, actor }) => {
      await inScope(params.id, actor);
      return actions.promote(params.id, actor.name);
    },
    redeployDeployment: async ({ params, body, actor }) => {
      await inScope(params.id, actor);
      return actions.redeploy(params.id, body, actor.name);
    },
  };
}
