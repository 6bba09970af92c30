import type { Command } from 'commander';
import type { AbsenceView, ComputerDetailView, ComputerView } from '../contracts/api.js';
import { formatDuration } from '../domain/rollout/duration.js';
import { asSent } from '../client/api-client.js';
import { adminCommand, connect } from './connection.js';
import { formatFields, formatTime, orDash, print, printJson, printTable } from './output.js';

/** `online`, `offline since 2026-11-25 10:00:00Z`, `never-seen`. */
export function formatHealth(h: ComputerView['health']): string {
  return h.state === 'offline' && h.since !== null
    ? `offline since ${formatTime(h.since)}`
    : h.state;
}

function awayFor(a: AbsenceView): string {
  const ms = Date.parse(a.to) - Date.parse(a.from);
  return Number.isNaN(ms) ? '' : formatDuration(ms / 1000);
}

/** `offline 2026-11-25 08:00:00Z for 2h`; `-` if never away. */
export function formatAbsence(a: AbsenceView | null): string {
  if (a === null) return '-';
  const away = awayFor(a);
  return `${a.kind} ${formatTime(a.from)}${away !== '' ? ` for ${away}` : ''}`;
}

function formatReimage(c: ComputerView): string {
  if (c.reimageCount === 0) return 'never';
  return `${c.reimageCount} time(s), last ${formatTime(c.reimagedAt)}`;
}

export function registerComputerCommand(program: Command): void {
  const computer = program.command('computer').description('the enrolled computers');

  adminCommand(computer, 'list', 'list enrolled computers').action(
    async (_opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const computers = await client.listComputers();
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
        computers.map((c) => [
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
    },
  );

  adminCommand(
    computer,
    'show <id-or-hostname>',
    'show a computer: its inventory, health, absences and the state of each update',
  ).action(async (idOrHostname: string, _opts: unknown, cmd: Command) => {
    const { client, json } = connect(cmd);
    const found = await client.getComputer(idOrHostname);
    if (json) return printJson(asSent(found));
    printComputer(found);
  });
}

function printComputer(c: ComputerDetailView): void {
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
      ['Site', orDash(c.site)],
      ['Groups', c.groups.length > 0 ? c.groups.join(', ') : '-'],
      ['Booted', formatTime(c.bootTime)],
      ['Enrolled', formatTime(c.enrolledAt)],
      ['Last seen', formatTime(c.lastSeenAt)],
      ['Health', formatHealth(c.health)],
      ['Re-imaged', formatReimage(c)],
    ]),
  );
  print();
  print('Recent absences:');
  printTable(
    ['KIND', 'FROM', 'TO', 'FOR', 'DETAIL'],
    c.absences.map((a) => [
      a.kind,
      formatTime(a.from),
      formatTime(a.to),
      awayFor(a),
      orDash(a.detail),
    ]),
    '(none)',
  );
  print();
  print('Updates:');
  printTable(
    ['UPDATE', 'STATE', 'REASON', 'EXIT', 'ATTEMPTS', 'UPDATED', 'MESSAGE'],
    c.statuses.map((s) => [
      s.updateId,
      s.state,
      orDash(s.reason),
      orDash(s.exitCode),
      String(s.attempts),
      formatTime(s.updatedAt),
      orDash(s.message),
    ]),
    '(no updates assigned)',
  );
}
