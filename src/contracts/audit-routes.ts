import { auditFilterQuery, auditListQuery, auditPageView } from './audit.js';
import { route } from './route.js';

/** The audit log: a page at a time as JSON, or all of it as CSV. */
export const auditRoutes = {
  listAudit: route({
    method: 'GET',
    path: '/api/v1/audit',
    summary: 'The audit log, newest first, filtered and paged (this read is itself recorded)',
    auth: 'admin',
    permission: 'audit',
    query: auditListQuery,
    response: auditPageView,
  }),
  exportAudit: route({
    method: 'GET',
    path: '/api/v1/audit.csv',
    summary: 'The audit log as CSV, oldest first, with the same filters (recorded too)',
    auth: 'admin',
    permission: 'audit',
    query: auditFilterQuery,
    response: 'csv',
  }),
};
