import { z } from 'zod';
import { staleReportRow } from './api.js';
import { route } from './route.js';

/** Reports across the fleet. */
export const reportRoutes = {
  staleReport: route({
    method: 'GET',
    path: '/api/v1/reports/stale',
    summary:
      'Computers that need investigation: their last successful run of an assignment is older than its recurrence interval',
    auth: 'admin',
    response: z.array(staleReportRow),
  }),
};
