import type { auditRoutes } from '../../contracts/audit-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** The audit log: a page as JSON, or every matching entry as CSV. */
export function auditHandlers(services: Services): RouteHandlers<typeof auditRoutes> {
  const { audit } = services;
  return {
    listAudit: ({ query }) => audit.list(query),
    exportAudit: async ({ query, reply }) => {
      const csv = await audit.csv(query);
      void reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="audit.csv"');
      return csv;
    },
  };
}
