import type { Command } from 'commander';
import { Option } from 'commander';
import { asSent } from '../client/sent.js';
import type { BaselineComplianceView } from '../contracts/baseline.js';
import type { ComplianceReport } from '../contracts/scan.js';
import { baselineStates, type BaselineState } from '../domain/baseline.js';
import { adminCommand, connect } from './connection.js';
import { formatDuration } from '../domain/rollout/duration.js';
import { CliError, formatTime, print, printJson, printTable } from './output.js';
import { printDiscrepancies } from './scan-format.js';

const byChoices = ['update', 'group', 'computer'] as const;
const formats = ['table', 'json', 'csv'] as const;

type ComplianceOptions = {
  by: ComplianceReport['by'];
  format: string;
  baseline?: string;
  state?: BaselineState;
};

/** The reports from the scan: compliance by update, group or computer, and discrepancies. */
export function registerScanReports(report: Command): void {
  adminCommand(
    report,
    'compliance',
    'compliance from the scan: installed, required, failed, not-applicable, unknown',
  )
    .addOption(new Option('--by <what>', 'one line per').choices(byChoices).default('update'))
    .option(
      '--baseline <name>',
      'compliance to a baseline: each computer of its groups compliant, non-compliant (what is missing and why) or unknown',
    )
    .addOption(
      new Option('--state <state>', 'with --baseline: only the computers in this state').choices(
        baselineStates,
      ),
    )
    .addOption(new Option('--format <format>', 'output format').choices(formats).default('table'))
    .action(async (opts: ComplianceOptions, cmd: Command) => {
      if (opts.state !== undefined && opts.baseline === undefined) {
        throw new CliError('--state goes with --baseline NAME', 2);
      }
      if (opts.baseline !== undefined && cmd.getOptionValueSource('by') === 'cli') {
        throw new CliError('--baseline and --by: a baseline report is one line per computer', 2);
      }
      const { client, json } = await connect(cmd);
      if (json && opts.format === 'csv') throw new CliError('--json and --format csv: pick one', 2);
      if (opts.baseline !== undefined) {
        const query = opts.state === undefined ? {} : { state: opts.state };
        if (opts.format === 'csv') {
          process.stdout.write(await client.baselineComplianceCsv(opts.baseline, query));
          return;
        }
        const found = await client.baselineCompliance(opts.baseline, query);
        if (json || opts.format === 'json') return printJson(asSent(found));
        printBaselineCompliance(found);
        return;
      }
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

function printBaselineCompliance(report: BaselineComplianceView): void {
  const { totals, baseline } = report;
  print(
    `Compliance to baseline ${baseline.name} (${baseline.updates.length} update(s), groups ${baseline.groups.join(', ')}), from the scan, at ${formatTime(report.generatedAt)}:`,
  );
  print(
    `${totals.computers} computer(s): ${totals.compliant} compliant, ${totals['non-compliant']} non-compliant, ${totals.unknown} unknown (a scan older than ${formatDuration(report.staleAfterSeconds)} is not trusted)`,
  );
  print();
  const rows: string[][] = [];
  for (const c of report.computers) {
    const first = [c.hostname, c.state, formatTime(c.scannedAt)];
    if (c.gaps.length === 0) rows.push([...first, '-', '-', '-']);
    c.gaps.forEach((g, i) => {
      rows.push([...(i === 0 ? first : ['', '', '']), g.updateId, g.kind, g.why]);
    });
  }
  printTable(['COMPUTER', 'STATE', 'SCANNED', 'UPDATE', 'GAP', 'WHY'], rows, '(no computers)');
}
