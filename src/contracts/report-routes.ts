import { failureReportQuery, failureReportView, progressReportView } from './report.js';
import { route } from './route.js';
import { idParams } from './route-params.js';

/** The reports of a deployment: what failed and where, and its progress over time. */
export const reportRoutes = {
  getDeploymentFailures: route({
    method: 'GET',
    path: '/api/v1/deployments/:id/failures',
    summary:
      'Failures by reason, and the inventory values over-represented among the failed computers',
    auth: 'admin',
    params: idParams,
    query: failureReportQuery,
    response: failureReportView,
  }),
  getDeploymentProgress: route({
    method: 'GET',
    path: '/api/v1/deployments/:id/progress',
    summary: 'Counts per phase and state over time, one point per change',
    auth: 'admin',
    params: idParams,
    response: progressReportView,
  }),
};
