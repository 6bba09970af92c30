import type { Command } from 'commander';
import type { StaleReportRow } from '../contracts/api.js';
import { formatDuration } from '../domain/rollout/duration.js';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { formatTable, formatTime, print, printJson } from './output.js';

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

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('reports across the fleet');

  adminCommand(
    report,
    'stale',
    'computers that need investigation: last success older than the recurrence interval',
  ).action(async (_opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const rows = await client.staleReport();
    if (json) return printJson(asSent(rows));
    print(formatStale(rows));
  });
}
