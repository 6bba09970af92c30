import type { reportRoutes } from '../../contracts/report-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** Reports across the fleet. */
export function reportHandlers(services: Services): RouteHandlers<typeof reportRoutes> {
  return {
    staleReport: () => services.explainer.staleReport(),
  };
}
