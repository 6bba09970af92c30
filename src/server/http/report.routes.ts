import type { reportRoutes } from '../../contracts/report-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** Reports: a deployment's failures and progress over time; the fleet's stale computers. */
export function reportHandlers(services: Services): RouteHandlers<typeof reportRoutes> {
  const { reports } = services;
  return {
    getDeploymentFailures: ({ params, query }) => reports.failures(params.id, query.reason),
    getDeploymentProgress: ({ params }) => reports.progress(params.id),
    staleReport: () => services.explainer.staleReport(),
  };
}
