import type { Command } from 'commander';
import type { DeploymentView } from '../contracts/api.js';
import { statusStates } from '../domain/status.js';
import { asSent } from './api-client.js';
import { adminCommand, connect } from './connection.js';
import { formatFields, formatTime, orDash, print, printJson, printTable } from './output.js';

/** `installed 3 · failed 1 · pending 2 (of 6)`: only the states some computer is in. */
export function formatCounts(d: Pick<DeploymentView, 'counts' | 'total'>): string {
  const parts = statusStates
    .map((s) => [s, d.counts[s] ?? 0] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`);
  return `${parts.length > 0 ? parts.join(' · ') : 'no computers'} (of ${d.total})`;
}

export function registerDeploymentCommand(program: Command): void {
  const deployment = program
    .command('deployment')
    .description('deployments of an update to a group');

  adminCommand(deployment, 'create', 'deploy an update to a group')
    .requiredOption('--update <id>', 'the update to deploy')
    .requiredOption('--group <name>', 'the group to deploy it to')
    .action(async (opts: { update: string; group: string }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const created = await client.createDeployment({ update: opts.update, group: opts.group });
      if (json) return printJson(asSent(created));
      print(`Created deployment ${created.id}.`);
      print();
      printSummary(created);
    });

  adminCommand(deployment, 'list', 'list deployments').action(
    async (_opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const list = await client.listDeployments();
      if (json) return printJson(asSent(list));
      printTable(
        ['ID', 'UPDATE', 'GROUPS', 'STATE', 'CREATED', 'PROGRESS'],
        list.map((d) => [
          d.id,
          d.updateId,
          d.groups.join(','),
          d.state,
          formatTime(d.createdAt),
          formatCounts(d),
        ]),
        'No deployments.',
      );
    },
  );

  adminCommand(deployment, 'show <id>', 'show a deployment and the state on each computer').action(
    async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const found = await client.getDeployment(id);
      if (json) return printJson(asSent(found));
      printSummary(found);
      print();
      printTable(
        ['HOSTNAME', 'STATE', 'REASON', 'EXIT CODE', 'UPDATED'],
        found.computers.map((s) => [
          s.hostname,
          s.state,
          orDash(s.reason),
          orDash(s.exitCode),
          formatTime(s.updatedAt),
        ]),
        '(no computers)',
      );
    },
  );
}

function printSummary(d: DeploymentView): void {
  print(
    formatFields([
      ['ID', d.id],
      ['Update', d.updateId],
      ['Groups', d.groups.join(', ')],
      ['State', d.state],
      ['Created', formatTime(d.createdAt)],
      ['Computers', formatCounts(d)],
    ]),
  );
}
