import type { reportRoutes } from '../../contracts/report-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** The reports of a deployment: failures and progress over time. */
export function reportHandlers(services: Services): RouteHandlers<typeof reportRoutes> {
  const { reports } = services;
  return {
    getDeploymentFailures: ({ params, query }) => reports.failures(params.id, query.reason),
    getDeploymentProgress: ({ params }) => reports.progress(params.id),
  };
}
