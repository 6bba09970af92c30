import { Option, type Command } from 'commander';
import type { DeploymentView, RedeployRequest } from '../contracts/api.js';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { formatEvents, formatSummary } from './deployment-format.js';
import { CliError, print, printJson } from './output.js';
import { fetchPages, printPageFooter, type PageOptions } from './paging.js';

/** The one-action changes of a deployment, and its event log. */

const reasoned = [
  ['halt', 'stop starting new installs; computers drop installs not yet started'],
  ['resume', 'go on from where a halted deployment stopped'],
  ['revoke', 'withdraw the approval: the update leaves every assignment'],
  ['rollback', 'uninstall the update wherever this deployment installed it'],
] as const;

function printResult(verb: string, d: DeploymentView): void {
  print(`Deployment ${d.id} ${verb}.`);
  print();
  print(formatSummary(d));
}

export function registerDeploymentActions(deployment: Command): void {
  for (const [action, description] of reasoned) {
    adminCommand(deployment, `${action} <id>`, description)
      .option('--reason <text>', 'why; kept in the deployment state and its events')
      .action(async (id: string, opts: { reason?: string }, cmd: Command) => {
        const { client, json } = await connect(cmd);
        const changed = await client[`${action}Deployment`](
          id,
          opts.reason !== undefined ? { reason: opts.reason } : {},
        );
        if (json) return printJson(asSent(changed));
        printResult(
          { halt: 'halted', resume: 'resumed', revoke: 'revoked', rollback: 'is rolling back' }[
            action
          ],
          changed,
        );
      });
  }

  adminCommand(
    deployment,
    'promote <id>',
    'let the next phase open now (for a phase whose gate is manual)',
  ).action(async (id: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const promoted = await client.promoteDeployment(id);
    if (json) return printJson(asSent(promoted));
    printResult('promoted', promoted);
  });

  adminCommand(
    deployment,
    'redeploy <id>',
    'advertise again to the computers that failed (or all), optionally a new revision',
  )
    .option('--failed-only', 'only the computers where it failed (the default)')
    .option('--all', 'every computer of the deployment')
    .option('--update <id>', 'deploy this new revision of the update to them instead')
    .option('--reason <text>', 'why; kept in the events')
    .action(
      async (
        id: string,
        opts: { failedOnly?: boolean; all?: boolean; update?: string; reason?: string },
        cmd: Command,
      ) => {
        if (opts.failedOnly && opts.all) {
          throw new CliError('--failed-only and --all exclude each other: give one', 2);
        }
        const body: RedeployRequest = {
          failedOnly: opts.all !== true,
          ...(opts.update !== undefined && { update: opts.update }),
          ...(opts.reason !== undefined && { reason: opts.reason }),
        };
        const { client, json } = await connect(cmd);
        const result = await client.redeployDeployment(id, body);
        if (json) return printJson(asSent(result));
        if (result.id !== id) {
          print(`Redeployed ${result.updateId} as new deployment ${result.id}.`);
          print();
          print(formatSummary(result));
        } else printResult('re-advertised', result);
      },
    );

  adminCommand(
    deployment,
    'events <id>',
    'every decision of the deployment, with its reason, oldest first',
  )
    .option('--limit <n>', 'events per page, 1-500 (default 50)')
    .option('--cursor <cursor>', 'the page after this cursor (printed under the table)')
    .option('--all', 'every page: the whole list')
    .addOption(new Option('--order <order>', 'sort order').choices(['asc', 'desc']))
    .option('--type <type>', 'only events of this type (created, halted, …)')
    .option('--since <time>', 'only events at or after this time (ISO 8601)')
    .action(
      async (id: string, opts: PageOptions & { type?: string; since?: string }, cmd: Command) => {
        const { client, json } = await connect(cmd);
        const { type, since } = opts;
        const events = await fetchPages(opts, (page) =>
          client.listDeploymentEvents(id, { ...page, type, since }),
        );
        if (json) return printJson(asSent(events));
        print(formatEvents(events.items));
        printPageFooter(events);
      },
    );
}
