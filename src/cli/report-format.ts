import { stringify } from 'csv-stringify/sync';
import type { StaleReportRow } from '../contracts/api.js';
import type { FailureReportView, ProgressReportView } from '../contracts/report.js';
import { formatDuration } from '../domain/rollout/duration.js';
import { statusStates } from '../domain/status.js';
import { formatTable, formatTime } from './output.js';

/**
 * The deployment reports for people (tables) and for spreadsheets and charts (CSV,
 * one header row, RFC 4180 quoting by csv-stringify).
 */

export const reportFormats = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof reportFormats)[number];

const pct = (p: number): string => `${(Math.round(p * 10) / 10).toFixed(1)}%`;

/** A p-value as people read it: 0.0032, 1.2e-9. */
export function formatPValue(p: number): string {
  if (p === 0) return '0';
  if (p >= 0.001) return p.toPrecision(2);
  return p.toExponential(1);
}

/** One row per failure reason (kind `reason`), then one per cluster (kind `cluster`). */
export function failuresCsv(r: FailureReportView): string {
  const rows: (string | number)[][] = [
    [
      'kind',
      'attribute',
      'value',
      'failed',
      'failed_percent',
      'target',
      'target_percent',
      'p_value',
    ],
  ];
  for (const reason of r.reasons) {
    rows.push(['reason', 'reason', reason.reason, reason.failures, reason.percent, '', '', '']);
  }
  for (const c of r.clusters) {
    rows.push([
      'cluster',
      c.attribute,
      c.value,
      c.failed,
      c.failedPercent,
      c.target,
      c.targetPercent,
      c.pValue,
    ]);
  }
  return stringify(rows);
}

export function failuresTable(r: FailureReportView): string {
  const lines = [
    `Deployment ${r.deploymentId}: ${r.failedComputers} of ${r.target} target computers failed${r.reason === null ? '' : ` (reason ${r.reason})`}.`,
    '',
    'Failures by reason:',
    r.reasons.length === 0
      ? '(none)'
      : formatTable(
          ['REASON', 'FAILURES', 'SHARE'],
          r.reasons.map((x) => [x.reason, String(x.failures), pct(x.percent)]),
        ),
    '',
    'What sets the failed computers apart (most significant first):',
    r.clusters.length === 0
      ? '(nothing over-represented)'
      : formatTable(
          ['ATTRIBUTE', 'VALUE', 'FAILED', 'OF FAILURES', 'OF TARGET', 'P-VALUE', 'SUMMARY'],
          r.clusters.map((c) => [
            c.attribute,
            c.value,
            String(c.failed),
            pct(c.failedPercent),
            pct(c.targetPercent),
            formatPValue(c.pValue),
            c.summary,
          ]),
        ),
  ];
  if (r.children.length > 0) {
    lines.push(
      '',
      'Failed on child servers (as each sent its statuses up):',
      formatTable(
        ['CHILD', 'FAILED COMPUTERS', 'REASONS'],
        r.children.map((c) => [
          c.name,
          String(c.failedComputers),
          c.reasons.map((x) => `${x.reason} ${x.failures}`).join(', '),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

/** One row per point and phase, then the point's total (phase `(total)`); a column per state. */
export function progressCsv(r: ProgressReportView): string {
  const rows: (string | number)[][] = [['at', 'phase', ...statusStates]];
  for (const p of r.points) {
    for (const phase of p.phases) {
      rows.push([p.at, phase.name, ...statusStates.map((s) => phase.counts[s])]);
    }
    rows.push([p.at, '(total)', ...statusStates.map((s) => p.total[s])]);
  }
  return stringify(rows);
}

/** The total of each point: the states that ever held a computer, as columns. */
export function progressTable(r: ProgressReportView): string {
  if (r.points.length === 0) return `Deployment ${r.deploymentId}: no progress recorded yet.`;
  const states = statusStates.filter((s) => r.points.some((p) => p.total[s] > 0));
  return [
    `Deployment ${r.deploymentId}: ${r.points.length} points (totals; --format csv for each phase).`,
    '',
    formatTable(
      ['AT', ...states.map((s) => s.toUpperCase())],
      r.points.map((p) => [formatTime(p.at), ...states.map((s) => String(p.total[s]))]),
    ),
  ].join('\n');
}

/** The stale report for people: oldest first, with how long ago each last succeeded. */
export function formatStale(rows: readonly StaleReportRow[]): string {
  if (rows.length === 0) return 'No computer needs investigation.';
  return formatTable(
    [
      'HOSTNAME',
      'UPDATE',
      'DEPLOYMENT',
      'STATE',
      'LAST SUCCEEDED',
      'FOR',
      'RECURRENCE',
      'LAST SEEN',
    ],
    rows.map((r) => [
      r.hostname,
      r.updateId,
      r.deploymentId,
      r.state,
      r.stale.lastSucceededAt === null ? 'never' : formatTime(r.stale.lastSucceededAt),
      formatDuration(r.stale.ageSeconds),
      formatDuration(r.stale.recurrenceSeconds),
      formatTime(r.lastSeenAt),
    ]),
  );
}
