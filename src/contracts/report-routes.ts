import { z } from 'zod';
import { staleReportRow } from './api.js';
import { failureReportQuery, failureReportView, progressReportView } from './report.js';
import { route } from './route.js';
import { idParams } from './route-params.js';

/** Reports: a deployment's failures and its progress over time; the fleet's stale computers. */
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
  staleReport: route({
    method: 'GET',
    path: '/api/v1/reports/stale',
    summary:
      'Computers that need investigation: their last successful run of an assignment is older than its recurrence interval',
    auth: 'admin',
    response: z.array(staleReportRow),
  }),
};
