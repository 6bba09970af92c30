import { z } from 'zod';
import {
  createDeploymentRequest,
  deploymentActionRequest,
  deploymentDetailView,
  deploymentEventView,
  deploymentView,
  dryRunView,
  redeployRequest,
} from './api.js';
import { route } from './route.js';
import { idParams } from './route-params.js';

/** Deployments, and the one-action changes: halt, resume, revoke, rollback, promote, redeploy. */

/** halt, resume, revoke and rollback take the same optional `{ reason }`. */
function reasonedAction<const A extends string>(action: A, summary: string) {
  return route({
    method: 'POST',
    path: `/api/v1/deployments/:id/${action}`,
    summary,
    auth: 'admin',
    params: idParams,
    body: deploymentActionRequest.prefault({}),
    response: deploymentDetailView,
  });
}

export const deploymentRoutes = {
  listDeployments: route({
    method: 'GET',
    path: '/api/v1/deployments',
    summary: 'List deployments',
    auth: 'admin',
    response: z.array(deploymentView),
  }),
  createDeployment: route({
    method: 'POST',
    path: '/api/v1/deployments',
    summary: 'Approve an update for a group',
    auth: 'admin',
    body: createDeploymentRequest,
    response: deploymentDetailView,
    status: 201,
  }),
  dryRunDeployment: route({
    method: 'POST',
    path: '/api/v1/deployments/dry-run',
    summary: 'Which computers each phase would reach, and when; nothing is created',
    auth: 'admin',
    body: createDeploymentRequest,
    response: dryRunView,
  }),
  getDeployment: route({
    method: 'GET',
    path: '/api/v1/deployments/:id',
    summary: 'A deployment: counts per state and per-computer status',
    auth: 'admin',
    params: idParams,
    response: deploymentDetailView,
  }),
  watchDeployment: route({
    method: 'GET',
    path: '/api/v1/deployments/:id/live',
    summary:
      'Server-Sent Events: a `deployment` event with the detail and events now and whenever it changes',
    auth: 'admin',
    params: idParams,
    response: 'event-stream',
  }),
  listDeploymentEvents: route({
    method: 'GET',
    path: '/api/v1/deployments/:id/events',
    summary: 'Every engine decision and admin action, with its reason',
    auth: 'admin',
    params: idParams,
    response: z.array(deploymentEventView),
  }),
  haltDeployment: reasonedAction('halt', 'Stop starting new installs'),
  resumeDeployment: reasonedAction('resume', 'Go on from where a halted deployment stopped'),
  revokeDeployment: reasonedAction('revoke', 'Withdraw the approval'),
  rollbackDeployment: reasonedAction(
    'rollback',
    'Uninstall the update wherever this deployment installed it',
  ),
  // No body: promoting takes no reason.
  promoteDeployment: route({
    method: 'POST',
    path: '/api/v1/deployments/:id/promote',
    summary: 'Let the next phase open now (for a phase whose gate is manual)',
    auth: 'admin',
    params: idParams,
    response: deploymentDetailView,
  }),
  redeployDeployment: route({
    method: 'POST',
    path: '/api/v1/deployments/:id/redeploy',
    summary: 'Re-advertise to failed computers, or deploy a new revision to them',
    auth: 'admin',
    params: idParams,
    body: redeployRequest.prefault({}),
    response: deploymentDetailView,
  }),
};
