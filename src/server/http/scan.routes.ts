import { stringify } from 'csv-stringify/sync';
import type { scanRoutes } from '../../contracts/scan-routes.js';
import type { ComplianceReport } from '../../contracts/scan.js';
import { complianceStates } from '../../domain/scan.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** The columns of the CSV export, in order; the first names the row. */
export function complianceCsv(report: ComplianceReport): string {
  const header = [report.by, 'computerId', ...complianceStates];
  const rows = report.rows.map((r) => [
    r.key,
    r.computerId ?? '',
    ...complianceStates.map((s) => r[s]),
  ]);
  return stringify([header, ...rows]);
}

/** Scans asked for, compliance from the scan, discrepancies. */
export function scanHandlers(services: Services): RouteHandlers<typeof scanRoutes> {
  const { scans, compliance } = services;
  return {
    requestScan: ({ body, actor }) => scans.request(body, actor.name),
    complianceReport: ({ query }) => compliance.report(query.by),
    complianceCsv: async ({ query, reply }) => {
      const csv = complianceCsv(await compliance.report(query.by));
      void reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="compliance-by-${query.by}.csv"`);
      return csv;
    },
    discrepancies: () => scans.discrepancies(),
  };
}
