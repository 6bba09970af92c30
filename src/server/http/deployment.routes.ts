import type { deploymentRoutes } from '../../contracts/deployment-routes.js';
import type { Services } from '../services/index.js';
import { openDeploymentLive } from './deployment-live.js';
import type { RouteHandlers } from './register.js';

/** Deployments, and the one-action changes: halt, resume, revoke, rollback, promote, redeploy. */
export function deploymentHandlers(services: Services): RouteHandlers<typeof deploymentRoutes> {
  const { deployments, deploymentActions: actions } = services;
  return {
    listDeployments: () => deployments.list(),
    createDeployment: ({ body, actor }) => deployments.create(body, actor.name),
    dryRunDeployment: ({ body }) => deployments.dryRun(body),
    getDeployment: ({ params }) => deployments.show(params.id),
    watchDeployment: ({ params, request, reply }) =>
      openDeploymentLive(services, params.id, request, reply),
    listDeploymentEvents: ({ params }) => actions.listEvents(params.id),
    haltDeployment: ({ params, body, actor }) =>
      actions.change(params.id, 'halt', body.reason, actor.name),
    resumeDeployment: ({ params, body, actor }) =>
      actions.change(params.id, 'resume', body.reason, actor.name),
    revokeDeployment: ({ params, body, actor }) =>
      actions.change(params.id, 'revoke', body.reason, actor.name),
    rollbackDeployment: ({ params, body, actor }) =>
      actions.change(params.id, 'rollback', body.reason, actor.name),
    promoteDeployment: ({ params, actor }) => actions.promote(params.id, actor.name),
    redeployDeployment: ({ params, body, actor }) => actions.redeploy(params.id, body, actor.name),
  };
}
