import type { deploymentRoutes } from '../../contracts/deployment-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** Deployments, and the one-action changes: halt, resume, revoke, rollback, promote, redeploy. */
export function deploymentHandlers(services: Services): RouteHandlers<typeof deploymentRoutes> {
  const { deployments, deploymentActions: actions } = services;
  return {
    listDeployments: () => deployments.list(),
    createDeployment: ({ body }) => deployments.create(body),
    dryRunDeployment: ({ body }) => deployments.dryRun(body),
    getDeployment: ({ params }) => deployments.show(params.id),
    listDeploymentEvents: ({ params }) => actions.listEvents(params.id),
    haltDeployment: ({ params, body }) => actions.change(params.id, 'halt', body.reason),
    resumeDeployment: ({ params, body }) => actions.change(params.id, 'resume', body.reason),
    revokeDeployment: ({ params, body }) => actions.change(params.id, 'revoke', body.reason),
    rollbackDeployment: ({ params, body }) => actions.change(params.id, 'rollback', body.reason),
    promoteDeployment: ({ params }) => actions.promote(params.id),
    redeployDeployment: ({ params, body }) => actions.redeploy(params.id, body),
  };
}
