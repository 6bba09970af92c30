import type { Command } from 'commander';
import { Option } from 'commander';
import { asSent } from '../client/sent.js';
import type { ComplianceReport } from '../contracts/scan.js';
import { adminCommand, connect } from './connection.js';
import { CliError, formatTime, print, printJson, printTable } from './output.js';
import { printDiscrepancies } from './scan-format.js';

const byChoices = ['update', 'group', 'computer'] as const;
const formats = ['table', 'json', 'csv'] as const;

/** The reports from the scan: compliance by update, group or computer, and discrepancies. */
export function registerScanReports(report: Command): void {
  adminCommand(
    report,
    'compliance',
    'compliance from the scan: installed, required, failed, not-applicable, unknown',
  )
    .addOption(new Option('--by <what>', 'one line per').choices(byChoices).default('update'))
    .addOption(new Option('--format <format>', 'output format').choices(formats).default('table'))
    .action(async (opts: { by: ComplianceReport['by']; format: string }, cmd: Command) => {
      const { client, json } = await connect(cmd);
      if (json && opts.format === 'csv') throw new CliError('--json and --format csv: pick one', 2);
      if (opts.format === 'csv') {
        process.stdout.write(await client.complianceCsv({ by: opts.by }));
        return;
      }
      const found = await client.complianceReport({ by: opts.by });
      if (json || opts.format === 'json') return printJson(asSent(found));
      printCompliance(found);
    });

  adminCommand(
    report,
    'discrepancies',
    'computers whose status says installed while the scan, since, does not find the update',
  ).action(async (_opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const list = await client.discrepancies();
    if (json) return printJson(asSent(list));
    printDiscrepancies(list);
  });
}

function printCompliance(report: ComplianceReport): void {
  print(`Compliance by ${report.by}, from the scan, at ${formatTime(report.generatedAt)}:`);
  printTable(
    [report.by.toUpperCase(), 'INSTALLED', 'REQUIRED', 'FAILED', 'NOT-APPLICABLE', 'UNKNOWN'],
    report.rows.map((r) => [
      r.key,
      String(r.installed),
      String(r.required),
      String(r.failed),
      String(r['not-applicable']),
      String(r.unknown),
    ]),
    '(nothing to report)',
  );
}
