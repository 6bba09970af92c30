import type { Command } from 'commander';
import type { ComputerDetailView } from '../contracts/api.js';
import { asSent } from './api-client.js';
import { adminCommand, connect } from './connection.js';
import { formatFields, formatTime, orDash, print, printJson, printTable } from './output.js';

export function registerComputerCommand(program: Command): void {
  const computer = program.command('computer').description('the enrolled computers');

  adminCommand(computer, 'list', 'list enrolled computers').action(
    async (_opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const computers = await client.listComputers();
      if (json) return printJson(asSent(computers));
      printTable(
        ['HOSTNAME', 'OS', 'VERSION', 'ARCH', 'SITE', 'GROUPS', 'LAST SEEN', 'ID'],
        computers.map((c) => [
          c.hostname,
          c.os,
          orDash(c.osVersion),
          c.arch,
          orDash(c.site),
          c.groups.length > 0 ? c.groups.join(',') : '-',
          formatTime(c.lastSeenAt),
          c.id,
        ]),
        'No computers enrolled.',
      );
    },
  );

  adminCommand(
    computer,
    'show <id-or-hostname>',
    'show a computer: its inventory and the state of each update',
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
    ]),
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
