import { stringify } from 'csv-stringify/sync';
import type { baselineRoutes } from '../../contracts/baseline-routes.js';
import type { BaselineComplianceView } from '../../contracts/baseline.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** The columns of the CSV export, in order. */
export const baselineCsvColumns = [
  'hostname',
  'computerId',
  'state',
  'scannedAt',
  'installed',
  'notApplicable',
  'updateId',
  'kind',
  'status',
  'reason',
  'exitCode',
  'message',
  'since',
  'why',
] as const;

/**
 * One line per computer and update it lacks (a compliant computer: one line with the
 * update columns empty), so a spreadsheet can filter by kind or reason.
 */
export function baselineComplianceCsv(report: BaselineComplianceView): string {
  const lines: (string | number)[][] = [[...baselineCsvColumns]];
  for (const c of report.computers) {
    const head = [
      c.hostname,
      c.computerId,
      c.state,
      c.scannedAt ?? '',
      c.installed,
      c.notApplicable,
    ];
    if (c.gaps.length === 0) lines.push([...head, '', '', '', '', '', '', '', '']);
    for (const g of c.gaps) {
      lines.push([
        ...head,
        g.updateId,
        g.kind,
        g.status ?? '',
        g.reason ?? '',
        g.exitCode ?? '',
        g.message ?? '',
        g.since ?? '',
        g.why,
      ]);
    }
  }
  return stringify(lines);
}

/** Baselines and compliance to each. */
export function baselineHandlers(services: Services): RouteHandlers<typeof baselineRoutes> {
  const { baselines } = services;
  return {
    listBaselines: ({ query }) => baselines.list(query),
    createBaseline: ({ body, actor }) => baselines.create(body, actor.name),
    getBaseline: ({ params }) => baselines.show(params.name),
    setBaseline: ({ params, body, actor }) => baselines.set(params.name, body, actor.name),
    removeBaseline: ({ params }) => baselines.remove(params.name),
    addBaselineUpdates: ({ params, body, actor }) =>
      baselines.addUpdates(params.name, body, actor.name),
    removeBaselineUpdates: ({ params, body }) => baselines.removeUpdates(params.name, body.updates),
    baselineCompliance: ({ params, query }) => baselines.compliance(params.name, query.state),
    baselineComplianceCsv: async ({ params, query, reply }) => {
      const csv = baselineComplianceCsv(await baselines.compliance(params.name, query.state));
      void reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="baseline-${params.name.replace(/[^A-Za-z0-9._-]/g, '_')}.csv"`,
        );
      return csv;
    },
  };
}
