import type { Command } from 'commander';
import { groupDetailView, type GroupView } from '../contracts/api.js';
import { asSent } from './api-client.js';
import { adminCommand, connect } from './connection.js';
import { formatFields, formatTime, orDash, print, printJson, printTable } from './output.js';

export function registerGroupCommand(program: Command): void {
  const group = program.command('group').description('groups of computers');

  adminCommand(group, 'create <name>', 'create a group (static, or dynamic with --query)')
    .option('--query <expr>', 'membership query, e.g. \'os = "windows" and site = "paris"\'')
    .action(async (name: string, opts: { query?: string }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const created = await client.createGroup({
        name,
        ...(opts.query !== undefined && { query: opts.query }),
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
    const { client, json } = connect(cmd);
    const answer = await client.addGroupMembers(name, computers);
    if (json) return printJson(answer);
    const detail = groupDetailView.safeParse(answer);
    print(
      detail.success
        ? `Group ${detail.data.name} now has ${detail.data.memberCount} member(s).`
        : `Added ${computers.length} computer(s) to group ${name}.`,
    );
  });

  adminCommand(group, 'list', 'list groups').action(async (_opts: unknown, cmd: Command) => {
    const { client, json } = connect(cmd);
    const groups = await client.listGroups();
    if (json) return printJson(asSent(groups));
    printTable(
      ['NAME', 'KIND', 'MEMBERS', 'QUERY', 'CREATED'],
      groups.map((g) => [
        g.name,
        g.kind,
        String(g.memberCount),
        orDash(g.query),
        formatTime(g.createdAt),
      ]),
      'No groups.',
    );
  });

  adminCommand(group, 'show <name>', 'show a group and its members').action(
    async (name: string, _opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const found = await client.getGroup(name);
      if (json) return printJson(asSent(found));
      printGroup(found);
      print();
      printTable(
        ['HOSTNAME', 'ID'],
        found.members.map((m) => [m.hostname, m.id]),
        '(no members)',
      );
    },
  );
}

function printGroup(g: GroupView): void {
  print(
    formatFields([
      ['Name', g.name],
      ['Kind', g.kind],
      ...(g.query !== null ? [['Query', g.query] as const] : []),
      ['Members', String(g.memberCount)],
      ['Created', formatTime(g.createdAt)],
      ['ID', g.id],
    ]),
  );
}
