import { z } from 'zod';
import { route } from './route.js';
import {
  complianceQuery,
  complianceReport,
  discrepancyView,
  requestScanRequest,
  requestScanResponse,
} from './scan.js';

/** The scan on the admin API: ask for one, compliance from it, discrepancies. */
export const scanRoutes = {
  requestScan: route({
    method: 'POST',
    path: '/api/v1/scans',
    summary: 'Ask a computer or a group to scan now (over the push channel; else at check-in)',
    auth: 'admin',
    body: requestScanRequest,
    response: requestScanResponse,
    status: 202,
    otherResponses: {
      404: 'no such computer or group',
      409: 'the hostname names several computers',
    },
  }),
  complianceReport: route({
    method: 'GET',
    path: '/api/v1/reports/compliance',
    summary: 'Compliance from the scan: installed, required, failed, not-applicable, unknown',
    auth: 'admin',
    query: complianceQuery,
    response: complianceReport,
  }),
  complianceCsv: route({
    method: 'GET',
    path: '/api/v1/reports/compliance.csv',
    summary: 'The compliance report as CSV (text/csv), one line per row',
    auth: 'admin',
    query: complianceQuery,
    response: 'csv',
  }),
  discrepancies: route({
    method: 'GET',
    path: '/api/v1/reports/discrepancies',
    summary: 'Statuses that say installed where the scan, since, does not find the update',
    auth: 'admin',
    response: z.array(discrepancyView),
  }),
};
