import { Option, type Command } from 'commander';
import type {
  AbsenceView,
  ComputerDetailView,
  ComputerView,
  ReimageRequestView,
} from '../contracts/api.js';
import { formatDuration } from '../domain/rollout/duration.js';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { formatWhy } from './deployment-format.js';
import { fetchPages, printPageFooter, withPageOptions, type PageOptions } from './paging.js';
import { computerSorts, reimageSorts } from '../contracts/list-sorts.js';
import { formatRevoked } from './enrollment.command.js';
import { formatFields, formatTime, orDash, print, printJson, printTable } from './output.js';
import { printComputerScan } from './scan-format.js';
import type { ComputerScanDetailView } from '../contracts/scan.js';

/** `online`, `offline since 2026-11-25 10:00:00Z`, `never-seen`. */
export function formatHealth(h: ComputerView['health']): string {
  return h.state === 'offline' && h.since !== null
    ? `offline since ${formatTime(h.since)}`
    : h.state;
}

function absenceLength(a: AbsenceView): string {
  const ms = Date.parse(a.to) - Date.parse(a.from);
  return Number.isNaN(ms) ? '' : formatDuration(ms / 1000);
}

/** `offline 2026-11-25 08:00:00Z for 2h`; `-` if never away. */
export function formatAbsence(a: AbsenceView | null): string {
  if (a === null) return '-';
  const length = absenceLength(a);
  return `${a.kind} ${formatTime(a.from)}${length !== '' ? ` for ${length}` : ''}`;
}

function formatReimage(c: ComputerView): string {
  if (c.reimageCount === 0) return 'never';
  return `${c.reimageCount} time(s), last ${formatTime(c.reimagedAt)}`;
}

type ComputerListOptions = PageOptions & {
  q?: string;
  group?: string;
  health?: 'online' | 'offline' | 'never-seen';
  site?: string;
  os?: string;
};

export function registerComputerCommand(program: Command): void {
  const computer = program.command('computer').description('the enrolled computers');

  withPageOptions(adminCommand(computer, 'list', 'list enrolled computers'), computerSorts)
    .option('--q <text>', 'only computers whose hostname or id holds this text')
    .option('--group <name>', 'only members of this group')
    .addOption(
      new Option('--health <state>', 'only computers in this health state').choices([
        'online',
        'offline',
        'never-seen',
      ]),
    )
    .option('--site <site>', 'only computers at this site')
    .option('--os <os>', 'only computers with this OS')
    .action(async (opts: ComputerListOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const { q, group, health, site, os } = opts;
      const computers = await fetchPages(opts, (page) =>
        client.listComputers({ ...page, q, group, health, site, os }),
      );
      if (json) return printJson(asSent(computers));
      printTable(
        [
          'HOSTNAME',
          'OS',
          'VERSION',
          'ARCH',
          'SITE',
          'GROUPS',
          'HEALTH',
          'LAST SEEN',
          'LAST ABSENCE',
          'ID',
        ],
        computers.items.map((c) => [
          c.hostname,
          c.os,
          orDash(c.osVersion),
          c.arch,
          orDash(c.site),
          c.groups.length > 0 ? c.groups.join(',') : '-',
          formatHealth(c.health),
          formatTime(c.lastSeenAt),
          formatAbsence(c.lastAbsence),
          c.id,
        ]),
        'No computers enrolled.',
      );
      printPageFooter(computers);
    });

  adminCommand(
    computer,
    'show <id-or-hostname>',
    'show a computer: its inventory, health, absences, the state of each update and its scan',
  ).action(async (idOrHostname: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const found = await client.getComputer(idOrHostname);
    if (json) return printJson(asSent(found));
    printComputer(found);
  });

  adminCommand(
    computer,
    'revoke <id-or-hostname>',
    "revoke a computer's credential: its next call to the server is refused",
  ).action(async (idOrHostname: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const revoked = await client.revokeComputer(idOrHostname);
    if (json) return printJson(asSent(revoked));
    print(`Credential of ${revoked.hostname} (${revoked.id}) revoked (${formatRevoked(revoked)}).`);
  });

  registerReimageCommand(computer);
}

function registerReimageCommand(computer: Command): void {
  const reimage = computer
    .command('reimage')
    .description('claimed re-images: an agent enrolled with an enrolled computer’s identity');

  withPageOptions(
    adminCommand(reimage, 'list', 'list claimed re-images, newest first'),
    reimageSorts,
  )
    .addOption(
      new Option('--state <state>', 'only requests in this state').choices([
        'pending',
        'approved',
        'refused',
      ]),
    )
    .action(
      async (opts: PageOptions & { state?: 'pending' | 'approved' | 'refused' }, cmd: Command) => {
        const { client, json } = await connect(cmd);
        const list = await fetchPages(opts, (page) =>
          client.listReimageRequests({ ...page, state: opts.state }),
        );
        if (json) return printJson(asSent(list));
        printReimageRequests(list.items, 'No re-image requests.');
        printPageFooter(list);
      },
    );

  for (const [verb, description] of [
    ['approve', 'approve a re-image: the computer takes the new credential and loses its statuses'],
    ['refuse', 'refuse a re-image: the computer keeps its credential and statuses'],
  ] as const) {
    adminCommand(reimage, `${verb} <id>`, description).action(
      async (id: string, _opts: unknown, cmd: Command) => {
        const { client, json } = await connect(cmd);
        const decided =
          verb === 'approve' ? await client.approveReimage(id) : await client.refuseReimage(id);
        if (json) return printJson(asSent(decided));
        print(
          `Re-image ${decided.id} of ${decided.hostname} (${decided.computerId}) ${decided.state}.`,
        );
      },
    );
  }
}

function printReimageRequests(list: ReimageRequestView[], empty: string): void {
  printTable(
    ['ID', 'COMPUTER', 'HOSTNAME', 'STATE', 'REQUESTED', 'DECIDED BY', 'TOKEN'],
    list.map((r) => [
      r.id,
      r.computerId,
      r.hostname,
      r.state,
      formatTime(r.requestedAt),
      orDash(r.decidedBy),
      r.enrollmentId,
    ]),
    empty,
  );
}

function printComputer(
  c: ComputerDetailView & Partial<Pick<ComputerScanDetailView, 'scans' | 'discrepancies'>>,
): void {
  print(
    formatFields([
      ['Hostname', c.hostname],
      ['ID', c.id],
      ['OS', `${c.os} ${c.osVersion}`.trim()],
      ['Arch', c.arch],
      ['Hardware ID', c.hardwareId],
      ['Free disk', `${c.freeDiskMB} MB`],
      ['Agent', c.agentVersion],
      ['IP addresses', c.ipAddresses.length > 0 ? c.ipAddresses.join(', ') : '-'],
      ['Site', c.site === null ? '-' : `${c.site} (from ${c.siteSource ?? 'agent'})`],
      ['Seen at', orDash(c.seenAddress)],
      ['Groups', c.groups.length > 0 ? c.groups.join(', ') : '-'],
      ['Booted', formatTime(c.bootTime)],
      ['Enrolled', formatTime(c.enrolledAt)],
      ['Last seen', formatTime(c.lastSeenAt)],
      ['Health', formatHealth(c.health)],
      ['Re-imaged', formatReimage(c)],
      ['Revoked', formatRevoked(c)],
    ]),
  );
  if (c.reimageRequests.length > 0) {
    print();
    print('Re-image requests:');
    printReimageRequests(c.reimageRequests, '(none)');
  }
  print();
  print('Recent absences:');
  printTable(
    ['KIND', 'FROM', 'TO', 'FOR', 'DETAIL'],
    c.absences.map((a) => [
      a.kind,
      formatTime(a.from),
      formatTime(a.to),
      absenceLength(a),
      orDash(a.detail),
    ]),
    '(none)',
  );
  if (c.rejections.length > 0) {
    print();
    print('Refused answers (signed metadata that did not verify; nothing was installed):');
    printTable(
      ['AT', 'REASON', 'ROLE', 'DETAIL'],
      c.rejections.map((r) => [formatTime(r.at), r.reason, orDash(r.role), r.detail]),
      '(none)',
    );
  }
  if (c.contentProblems.length > 0) {
    print();
    print('Bad copies at distribution points (fetched elsewhere; never run):');
    printTable(
      ['AT', 'POINT', 'PROBLEM', 'SHA256', 'DETAIL'],
      c.contentProblems.map((p) => [
        formatTime(p.at),
        orDash(p.pointId),
        p.problem,
        p.sha256.slice(0, 12),
        orDash(p.detail),
      ]),
      '(none)',
    );
  }
  print();
  print('Updates:');
  printTable(
    ['UPDATE', 'STATE', 'REASON', 'EXIT', 'ATTEMPTS', 'UPDATED', 'MESSAGE', 'WHY'],
    c.statuses.map((s) => [
      s.updateId,
      s.state,
      orDash(s.reason),
      orDash(s.exitCode),
      String(s.attempts),
      formatTime(s.updatedAt),
      orDash(s.message),
      formatWhy(s),
    ]),
    '(no updates assigned)',
  );
  printComputerScan(c);
}
