import { Option, type Command } from 'commander';
import type { GroupView } from '../contracts/api.js';
import { describeIssues, fieldIssues } from '../contracts/parse.js';
import type { MaintenanceWindow } from '../contracts/plan.js';
import { clientPolicies, type ClientPolicy } from '../domain/rollout/plan.js';
import { formatDuration, parseDuration } from '../domain/rollout/duration.js';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { fetchPages, printPageFooter, withPageOptions, type PageOptions } from './paging.js';
import { groupKinds, groupSorts, type GroupKind } from '../contracts/list-sorts.js';
import {
  CliError,
  formatFields,
  formatTable,
  formatTime,
  orDash,
  print,
  printJson,
  printTable,
} from './output.js';

type WindowOptions = { cron?: string; duration?: string; timezone: string; clear?: boolean };

/**
 * A maintenance window from the flags, checked here (field-named, exit 2) before it is
 * sent. The window schema (zod, cron-parser) loads here, not when the command registers.
 */
export async function windowFromFlags(opts: WindowOptions): Promise<MaintenanceWindow> {
  const missing = [
    opts.cron === undefined && '--cron',
    opts.duration === undefined && '--duration',
  ].filter((f) => f !== false);
  if (missing.length > 0) {
    throw new CliError(
      `a window needs ${missing.join(' and ')} (e.g. --cron "0 1 * * 6" --duration 4h), or --clear to remove them all`,
      2,
    );
  }
  const seconds = parseDuration(opts.duration ?? '');
  if (seconds === null || seconds < 60) {
    throw new CliError(
      `--duration: "${opts.duration}" is not a duration of at least a minute, like 30m, 4h or 1d`,
      2,
    );
  }
  const { maintenanceWindowSchema } = await import('../contracts/plan.js');
  const parsed = maintenanceWindowSchema.safeParse({
    cron: opts.cron,
    durationMinutes: Math.round(seconds / 60),
    timezone: opts.timezone,
  });
  if (!parsed.success) {
    throw new CliError(`invalid window: ${describeIssues(fieldIssues(parsed.error))}`, 2);
  }
  return parsed.data;
}

/** A client policy from a flag, checked here (exit 2) before it is sent. */
export function policyFromFlag(value: string): ClientPolicy {
  const policy = clientPolicies.find((p) => p === value);
  if (!policy) {
    throw new CliError(`--policy: "${value}" is not one of ${clientPolicies.join(', ')}`, 2);
  }
  return policy;
}

export function formatWindows(windows: readonly MaintenanceWindow[]): string {
  if (windows.length === 0) return '(no maintenance windows: installs may start at any time)';
  return formatTable(
    ['CRON', 'DURATION', 'TIMEZONE'],
    windows.map((w) => [w.cron, formatDuration(w.durationMinutes * 60), w.timezone]),
  );
}

type GroupSetOptions = {
  policy?: string;
  clearPolicy?: boolean;
  ownerEmail?: string;
  clearOwnerEmail?: boolean;
};

export function registerGroupCommand(program: Command): void {
  const group = program.command('group').description('groups of computers');

  adminCommand(group, 'create <name>', 'create a group (static, or dynamic with --query)')
    .option('--query <expr>', 'membership query, e.g. \'os = "windows" and site = "paris"\'')
    .option('--policy <policy>', `client policy for its computers: ${clientPolicies.join(', ')}`)
    .action(async (name: string, opts: { query?: string; policy?: string }, cmd: Command) => {
      const policy = opts.policy === undefined ? undefined : policyFromFlag(opts.policy);
      const { client, json } = await connect(cmd);
      const created = await client.createGroup({
        name,
        ...(opts.query !== undefined && { query: opts.query }),
        ...(policy !== undefined && { policy }),
      });
      if (json) return printJson(asSent(created));
      print(`Created ${created.kind} group ${created.name}.`);
      print();
      printGroup(created);
    });

  adminCommand(
    group,
    'add <name> <computers...>',
    'add computers (ids or hostnames) to a group',
  ).action(async (name: string, computers: string[], _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const answer = await client.addGroupMembers(name, { computers });
    if (json) return printJson(asSent(answer));
    print(`Group ${answer.name} now has ${answer.memberCount} member(s).`);
  });

  adminCommand(
    group,
    'preview <query>',
    'show how many and which computers a query would reach now (first 20 by hostname)',
  ).action(async (query: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const answer = await client.previewGroup({ query });
    if (json) return printJson(asSent(answer));
    print(`The query matches ${answer.count} computer(s).`);
    printTable(
      ['HOSTNAME', 'ID'],
      answer.members.map((m) => [m.hostname, m.id]),
      '(none)',
    );
  });

  withPageOptions(adminCommand(group, 'list', 'list groups'), groupSorts)
    .option('--q <text>', 'only groups whose name holds this text')
    .addOption(new Option('--kind <kind>', 'only groups of this kind').choices(groupKinds))
    .action(async (opts: PageOptions & { q?: string; kind?: GroupKind }, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const { q, kind } = opts;
      const groups = await fetchPages(opts, (page) => client.listGroups({ ...page, q, kind }));
      if (json) return printJson(asSent(groups));
      printTable(
        ['NAME', 'KIND', 'MEMBERS', 'WINDOWS', 'POLICY', 'QUERY', 'CREATED'],
        groups.items.map((g) => [
          g.name,
          g.kind,
          String(g.memberCount),
          String(g.windows.length),
          orDash(g.policy),
          orDash(g.query),
          formatTime(g.createdAt),
        ]),
        'No groups.',
      );
      printPageFooter(groups);
    });

  adminCommand(
    group,
    'window <name>',
    'add a maintenance window to a group (installs start only inside its windows)',
  )
    .option(
      '--cron <expr>',
      'when each window starts, 5 fields, e.g. "0 1 * * 6" (Saturdays 01:00)',
    )
    .option('--duration <duration>', 'how long each window lasts, e.g. 4h')
    .option('--timezone <tz>', 'IANA time zone of the cron, e.g. Asia/Tokyo', 'UTC')
    .option('--clear', 'remove all the windows of the group')
    .action(async (name: string, opts: WindowOptions, cmd: Command) => {
      if (opts.clear && (opts.cron !== undefined || opts.duration !== undefined)) {
        throw new CliError('--clear removes all windows; it takes no --cron or --duration', 2);
      }
      const added = opts.clear ? null : await windowFromFlags(opts);
      const { client, json } = await connect(cmd);
      const windows = added === null ? [] : [...(await client.getGroup(name)).windows, added];
      const saved = await client.setGroupWindows(name, { windows });
      if (json) return printJson(asSent(saved));
      print(
        added === null
          ? `Removed the maintenance windows of group ${saved.name}.`
          : `Group ${saved.name} now has ${saved.windows.length} maintenance window(s).`,
      );
      print();
      print(formatWindows(saved.windows));
    });

  adminCommand(group, 'set <name>', "change a group's settings")
    .option('--policy <policy>', `client policy for its computers: ${clientPolicies.join(', ')}`)
    .option('--clear-policy', "remove the group's policy: its computers follow the deployment's")
    .option(
      '--owner-email <address>',
      'who is told the rollout schedule for its computers that report no owner e-mail',
    )
    .option('--clear-owner-email', "remove the group's owner e-mail")
    .action(async (name: string, opts: GroupSetOptions, cmd: Command) => {
      if (opts.policy !== undefined && opts.clearPolicy) {
        throw new CliError('give either --policy or --clear-policy, not both', 2);
      }
      if (opts.ownerEmail !== undefined && opts.clearOwnerEmail) {
        throw new CliError('give either --owner-email or --clear-owner-email, not both', 2);
      }
      const setsPolicy = opts.policy !== undefined || opts.clearPolicy === true;
      const setsEmail = opts.ownerEmail !== undefined || opts.clearOwnerEmail === true;
      if (!setsPolicy && !setsEmail) {
        throw new CliError(
          'nothing to set: give --policy <policy>, --clear-policy, --owner-email <address> or --clear-owner-email',
          2,
        );
      }
      const policy = opts.policy === undefined ? null : policyFromFlag(opts.policy);
      const { client, json } = await connect(cmd);
      let saved = setsPolicy ? await client.setGroupPolicy(name, { policy }) : null;
      if (setsEmail) {
        saved = await client.setGroupOwnerEmail(name, { ownerEmail: opts.ownerEmail ?? null });
      }
      if (saved === null) return;
      if (json) return printJson(asSent(saved));
      if (setsPolicy) {
        print(
          saved.policy === null
            ? `Group ${saved.name} sets no client policy now.`
            : `Group ${saved.name} now sets the client policy ${saved.policy}.`,
        );
      }
      if (setsEmail) {
        print(
          saved.ownerEmail === null
            ? `Group ${saved.name} names no owner e-mail now.`
            : `The schedule of ${saved.name}'s computers without an owner e-mail goes to ${saved.ownerEmail}.`,
        );
      }
    });

  adminCommand(
    group,
    'show <name>',
    'show a group, its maintenance windows and its members',
  ).action(async (name: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const found = await client.getGroup(name);
    if (json) return printJson(asSent(found));
    printGroup(found);
    print();
    print('Maintenance windows:');
    print(formatWindows(found.windows));
    print();
    print('Members:');
    printTable(
      ['HOSTNAME', 'ID'],
      found.members.map((m) => [m.hostname, m.id]),
      '(no members)',
    );
  });
}

function printGroup(g: GroupView): void {
  print(
    formatFields([
      ['Name', g.name],
      ['Kind', g.kind],
      ...(g.query !== null ? [['Query', g.query] as const] : []),
      ['Members', String(g.memberCount)],
      ['Policy', g.policy ?? '(none set)'],
      ['Owner e-mail', g.ownerEmail ?? '(none set)'],
      ['Created', formatTime(g.createdAt)],
      ['ID', g.id],
    ]),
  );
}
