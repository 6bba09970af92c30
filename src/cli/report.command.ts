import type { Command } from 'commander';
import { adminCommand, connect } from './connection.js';
import { CliError, printJson } from './output.js';
import { registerScanReports } from './report-scan.js';

/** Reports for charts and spreadsheets: a deployment's failures and its progress over time. */

type ReportOptions = { format?: string; json?: boolean };

function format(opts: ReportOptions): 'table' | 'csv' | 'json' {
  const f = opts.format ?? (opts.json ? 'json' : 'table');
  if (f !== 'table' && f !== 'csv' && f !== 'json') {
    throw new CliError(`--format: "${f}" must be table, csv or json`, 2);
  }
  return f;
}

export function registerReportCommand(program: Command): void {
  const report = program
    .command('report')
    .description(
      "a deployment's failures and progress over time; stale computers; compliance and discrepancies from the scan",
    );
  registerScanReports(report);

  adminCommand(
    report,
    'failures <deployment>',
    'failures by reason, and the inventory values most over-represented among the failed computers',
  )
    .option('--format <format>', 'table (default), csv or json')
    .option('--reason <reason>', 'only the failures of this reason, e.g. disk-space')
    .action(async (id: string, opts: ReportOptions & { reason?: string }, cmd: Command) => {
      const f = format(opts);
      const { client } = await connect(cmd);
      const answer = await client.getDeploymentFailures(
        id,
        opts.reason === undefined ? {} : { reason: opts.reason },
      );
      const { failuresCsv, failuresTable } = await import('./report-format.js');
      if (f === 'json') return printJson(answer);
      process.stdout.write(f === 'csv' ? failuresCsv(answer) : `${failuresTable(answer)}\n`);
    });

  adminCommand(
    report,
    'progress <deployment>',
    "the deployment's counts per phase and state over time, one point per change",
  )
    .option('--format <format>', 'table (default), csv or json')
    .action(async (id: string, opts: ReportOptions, cmd: Command) => {
      const f = format(opts);
      const { client } = await connect(cmd);
      const answer = await client.getDeploymentProgress(id);
      const { progressCsv, progressTable } = await import('./report-format.js');
      if (f === 'json') return printJson(answer);
      process.stdout.write(f === 'csv' ? progressCsv(answer) : `${progressTable(answer)}\n`);
    });

  adminCommand(
    report,
    'stale',
    'computers that need investigation: last success older than the recurrence interval',
  )
    .option('--format <format>', 'table (default) or json')
    .action(async (opts: ReportOptions, cmd: Command) => {
      const f = format(opts);
      if (f === 'csv') throw new CliError('--format: the stale report is a table or json', 2);
      const { client } = await connect(cmd);
      const rows = await client.staleReport();
      const { formatStale } = await import('./report-format.js');
      if (f === 'json') return printJson(rows);
      process.stdout.write(`${formatStale(rows)}\n`);
    });
}
