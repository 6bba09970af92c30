import {
  createDeploymentRequest,
  deploymentActionRequest,
  deploymentComputerView,
  deploymentDetailView,
  deploymentEventView,
  deploymentView,
  dryRunView,
  redeployRequest,
} from './api.js';
import {
  deploymentComputerListQuery,
  deploymentListQuery,
  eventListQuery,
} from './list-queries.js';
import { pageOf } from './paging.js';
import { route } from './route.js';
import { deploymentScanDetailView } from './scan.js';
import { idParams } from './route-params.js';

/** Deployments, and the one-action changes: halt, resume, revoke, rollback, promote, redeploy. */

/** halt, resume, revoke and rollback take the same optional `{ reason }`. */
function reasonedAction<const A extends string>(action: A, summary: string) {
  return route({
    method: 'POST',
    path: `/api/v1/deployments/:id/${action}`,
    summary,
    auth: 'admin',
    permission: 'deploy',
    params: idParams,
    body: deploymentActionRequest.prefault({}),
    response: deploymentDetailView,
  });
}

export const deploymentRoutes = {
  listDeployments: route({
    method: 'GET',
    path: '/api/v1/deployments',
    summary: 'Deployments, newest first, a page at a time (filter by state, update)',
    auth: 'admin',
    query: deploymentListQuery,
    response: pageOf(deploymentView),
  }),
  createDeployment: route({
    method: 'POST',
    path: '/api/v1/deployments',
    summary: 'Approve an update for a group',
    auth: 'admin',
    permission: 'deploy',
    body: createDeploymentRequest,
    response: deploymentDetailView,
    status: 201,
  }),
  dryRunDeployment: route({
    method: 'POST',
    path: '/api/v1/deployments/dry-run',
    summary: 'Which computers each phase would reach, and when; nothing is created',
    auth: 'admin',
    permission: 'deploy',
    body: createDeploymentRequest,
    response: dryRunView,
  }),
  getDeployment: route({
    method: 'GET',
    path: '/api/v1/deployments/:id',
    summary: 'A deployment: counts per state and per phase (its computers: /computers)',
    auth: 'admin',
    params: idParams,
    response: deploymentScanDetailView,
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
    summary: 'Every engine decision and admin action, with its reason, a page at a time',
    auth: 'admin',
    params: idParams,
    query: eventListQuery,
    response: pageOf(deploymentEventView),
  }),
  listDeploymentComputers: route({
    method: 'GET',
    path: '/api/v1/deployments/:id/computers',
    summary: "The target computers' statuses, a page at a time (filter by state, phase, reason)",
    auth: 'admin',
    params: idParams,
    query: deploymentComputerListQuery,
    response: pageOf(deploymentComputerView),
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
    permission: 'deploy',
    params: idParams,
    response: deploymentDetailView,
  }),
  redeployDeployment: route({
    method: 'POST',
    path: '/api/v1/deployments/:id/redeploy',
    summary: 'Re-advertise to failed computers, or deploy a new revision to them',
    auth: 'admin',
    permission: 'deploy',
    params: idParams,
    body: redeployRequest.prefault({}),
    response: deploymentDetailView,
  }),
};
