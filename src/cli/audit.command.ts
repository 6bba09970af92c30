import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AuditEntryView } from '../contracts/audit.js';
import { systemClock } from '../clock.js';
import { adminCommand, connect } from './connection.js';
import { parseDuration } from './enrollment.command.js';
import { CliError, formatTime, orDash, printJson, printTable, print } from './output.js';

type FilterOptions = {
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  target?: string;
};
type ListOptions = FilterOptions & { limit: number; cursor?: string };

/** `1h`, `7d` (that long ago) or an ISO 8601 time → an ISO instant; exit 2 otherwise. */
export function instantFlag(flag: string, text: string, now = systemClock.now()): string {
  const seconds = parseDuration(text);
  if (seconds !== null) return new Date(now - seconds * 1000).toISOString();
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new CliError(
      `${flag}: "${text}" is neither a duration ago (1h, 7d) nor an ISO time (2026-12-01T09:00:00Z)`,
      2,
    );
  }
  return new Date(ms).toISOString();
}

function pageSize(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 1000) {
    throw new InvalidArgumentError('expected a whole number from 1 to 1000.');
  }
  return n;
}

/** The filters, as the API takes them. */
function filters(opts: FilterOptions) {
  return {
    ...(opts.since !== undefined && { since: instantFlag('--since', opts.since) }),
    ...(opts.until !== undefined && { until: instantFlag('--until', opts.until) }),
    ...(opts.actor !== undefined && { actor: opts.actor }),
    ...(opts.action !== undefined && { action: opts.action }),
    ...(opts.target !== undefined && { target: opts.target }),
  };
}

function withFilters(command: Command): Command {
  return command
    .option('--since <when>', 'entries since this long ago (1h, 7d) or this ISO time')
    .option('--until <when>', 'entries before this long ago or this ISO time')
    .option('--actor <name>', "only this caller's entries (a token's name)")
    .option('--action <name>', 'only this action (a route name, e.g. haltDeployment)')
    .option('--target <value>', 'only calls about this deployment id, computer, group, …');
}

/** A scalar as printed; objects and lists are not summarized. */
function scalar(value: unknown): string | null {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** `state: active → halted` for each scalar field the call changed; `-` for none. */
export function formatChange(before: unknown, after: unknown): string {
  if (after === null || typeof after !== 'object') return '-';
  const was: Record<string, unknown> =
    before !== null && typeof before === 'object' ? (before as Record<string, unknown>) : {};
  const changes: string[] = [];
  for (const [key, value] of Object.entries(after)) {
    const [old, now] = [scalar(was[key]), scalar(value)];
    if (!(key in was) || old === null || now === null || old === now) continue;
    changes.push(`${key}: ${old} → ${now}`);
  }
  return changes.length === 0 ? '-' : changes.join(', ');
}

function outcome(e: AuditEntryView): string {
  return e.error === null ? String(e.status) : `${e.status} ${e.error}`;
}

function formatEntries(items: readonly AuditEntryView[]): void {
  printTable(
    ['ID', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'FROM', 'CHANGE'],
    items.map((e) => [
      String(e.id),
      formatTime(e.at),
      orDash(e.actor),
      e.action,
      orDash(Object.values(e.target).join('/')),
      outcome(e),
      e.from,
      formatChange(e.before, e.after),
    ]),
    '(no audit entries)',
  );
}

export function registerAuditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description('the audit log: who did what, from where, with what outcome');

  // `ringmaster audit --since 1h` is `ringmaster audit list --since 1h`.
  withFilters(
    adminCommand(audit, 'list', 'recorded calls, newest first, a page at a time', {
      isDefault: true,
    }),
  )
    .addOption(
      new Option('--limit <n>', 'entries per page, newest first (1-1000)')
        .argParser(pageSize)
        .default(50),
    )
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .action(async (opts: ListOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const page = await client.listAudit({
        ...filters(opts),
        limit: opts.limit,
        ...(opts.cursor !== undefined && { cursor: opts.cursor }),
      });
      if (json) return printJson(page);
      formatEntries(page.items);
      if (page.nextCursor !== null) print(`\nolder entries: --cursor ${page.nextCursor}`);
    });

  withFilters(
    adminCommand(audit, 'export', 'every matching entry, oldest first, as CSV or JSON (stdout)'),
  )
    .addOption(
      new Option('--format <format>', 'csv or json').choices(['csv', 'json']).default('csv'),
    )
    .action(async (opts: FilterOptions & { format: 'csv' | 'json' }, cmd: Command) => {
      const { client } = await connect(cmd);
      const query = filters(opts);
      if (opts.format === 'csv') {
        process.stdout.write(await client.exportAudit(query));
        return;
      }
      // Page by page, newest first; printed oldest first, like the CSV.
      const items: AuditEntryView[] = [];
      let cursor: string | null | undefined;
      do {
        const page = await client.listAudit({ ...query, limit: 1000, ...(cursor && { cursor }) });
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null);
      printJson(items.reverse());
    });
}
