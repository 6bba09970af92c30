import type { Command } from 'commander';
import { asSent } from '../client/sent.js';
import type { ApiClient } from '../client/api-client.js';
import type {
  ChildComputerView,
  ChildEnablementView,
  ChildView,
  DeploymentTreeView,
  UpstreamStatusView,
} from '../contracts/upstream.js';
import { adminCommand, connect } from './connection.js';
import { formatCounts } from './deployment-format.js';
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
import { fetchPages, printPageFooter, withPageOptions, type PageOptions } from './paging.js';

/** The children's part of a deployment, printed after `deployment show`. */
export function formatTree(tree: DeploymentTreeView): string[] {
  const rows = tree.children.map((c) => [
    c.name,
    c.sync,
    orDash(c.state),
    formatCounts(c),
    formatTime(c.lastSyncAt),
    c.error === null ? '' : c.error,
  ]);
  return [
    'Child servers (as each last reported; FRESHNESS is its last sync):',
    '',
    ...formatTable(['CHILD', 'SYNC', 'STATE', 'STATUSES', 'FRESHNESS', 'ERROR'], rows).split('\n'),
    '',
    `Whole tree: ${formatCounts(tree.tree)}`,
  ];
}

function printEnablement(view: ChildEnablementView): void {
  const verb = view.enabled ? 'enabled' : 'held';
  if (view.changed.length === 0) {
    print(`Nothing changed: ${view.child} was already ${verb} for that.`);
    return;
  }
  print(`${view.child}: ${verb} ${view.changed.join(', ')}.`);
  print(
    view.enabled
      ? 'The child makes it at its next sync and phases it on its own computers.'
      : 'The child does not make it; one it made already is halted at its next sync.',
  );
}

type Which = { all?: boolean };

async function enablement(
  client: ApiClient,
  name: string,
  deployment: string | undefined,
  opts: Which,
  enabled: boolean,
): Promise<ChildEnablementView> {
  if ((deployment === undefined) === (opts.all !== true)) {
    throw new CliError('name one DEPLOYMENT, or pass --all', 2);
  }
  const body = deployment === undefined ? { all: true } : { deployment };
  return enabled ? client.enableChild(name, body) : client.holdChild(name, body);
}

export function registerChildCommand(program: Command): void {
  const child = program
    .command('child')
    .description('child servers of this one: which deployments reach each, and their statuses');

  adminCommand(child, 'add <name>', 'add a child server; its token is shown once').action(
    async (name: string, _opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const added = await client.addChild({ name });
      if (json) return printJson(asSent(added));
      print('Child token (shown only this once; give it to the child):');
      print();
      print(`    ${added.token ?? '(the server did not return a token)'}`);
      print();
      print('Start the child with:');
      print(`    ringmaster server --upstream URL-OF-THIS-SERVER --upstream-token TOKEN`);
    },
  );

  adminCommand(child, 'list', 'list child servers: freshness and enabled deployments').action(
    async (_opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const list = await client.listChildren();
      if (json) return printJson(asSent(list));
      printTable(
        ['NAME', 'LAST SYNC', 'LAST REPORT', 'ENABLED', 'HELD'],
        list.map((c: ChildView) => [
          c.name,
          formatTime(c.lastSyncAt),
          formatTime(c.lastReportAt),
          c.enabled.join(', ') || '-',
          c.held.join(', ') || '-',
        ]),
      );
    },
  );

  adminCommand(
    child,
    'enable <name> [deployment]',
    'let a deployment (or with --all every live one) reach a child server',
  )
    .option('--all', 'every live deployment')
    .action(async (name: string, deployment: string | undefined, opts: Which, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const view = await enablement(client, name, deployment, opts, true);
      if (json) return printJson(asSent(view));
      printEnablement(view);
    });

  adminCommand(
    child,
    'hold <name> [deployment]',
    'hold a deployment (or with --all every enabled one) back from a child server',
  )
    .option('--all', 'every deployment now enabled for it')
    .action(async (name: string, deployment: string | undefined, opts: Which, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const view = await enablement(client, name, deployment, opts, false);
      if (json) return printJson(asSent(view));
      printEnablement(view);
    });

  withPageOptions(
    adminCommand(
      child,
      'status <deployment-or-child>',
      "a deployment across the tree (here, each child, the sum); with --computers a child's computers",
    )
      .option('--computers', "the argument names a child: list its computers' statuses, paged")
      .option('--deployment <id>', 'with --computers: only this deployment of this server')
      .option('--state <state>', 'with --computers: only statuses in this state, e.g. failed'),
    ['hostname'],
  ).action(async (arg: string, opts: ComputerOptions, cmd: Command) => {
    const { client, json } = await connect(cmd);
    if (opts.computers !== true) {
      if (opts.deployment !== undefined || opts.state !== undefined) {
        throw new CliError('--deployment and --state go with --computers', 2);
      }
      const tree = await client.deploymentTree(arg);
      if (json) return printJson(asSent(tree));
      print(`Here: ${formatCounts(tree.here)}`);
      print();
      for (const line of formatTree(tree)) print(line);
      return;
    }
    const page = await fetchPages(opts, (args) =>
      client.childComputers(arg, {
        ...args,
        ...(opts.deployment !== undefined && { deployment: opts.deployment }),
        ...(opts.state !== undefined && { state: opts.state }),
      }),
    );
    if (json) return printJson(asSent(page));
    printTable(
      ['CHILD', 'HOSTNAME', 'UPDATE', 'DEPLOYMENT', 'STATE', 'REASON', 'AT'],
      page.items.map((c: ChildComputerView) => [
        c.child,
        c.hostname,
        c.updateId,
        c.deploymentId,
        c.state,
        orDash(c.reason),
        formatTime(c.updatedAt),
      ]),
    );
    printPageFooter(page);
  });
}

type ComputerOptions = PageOptions & { computers?: boolean; deployment?: string; state?: string };

function printUpstream(view: UpstreamStatusView): void {
  if (view.parentUrl === null) {
    print('This server has no parent (start it with --upstream URL --upstream-token T).');
    return;
  }
  print(
    formatFields([
      ['Parent', view.parentUrl],
      ['Name there', orDash(view.name)],
      ['Signer pinned', orDash(view.signer)],
      ['Cursor', String(view.cursor)],
      ['Statuses sent up', view.statusCursor === null ? 'none yet' : 'to the acknowledged cursor'],
      ['Last sync', formatTime(view.lastSyncAt)],
      ['Last report', formatTime(view.lastReportAt)],
      [
        'Last error',
        view.lastError === null ? '-' : `${view.lastError} (${formatTime(view.lastErrorAt)})`,
      ],
    ]),
  );
  print();
  printTable(
    ['PARENT DEPLOYMENT', 'SYNC', 'HERE', "PARENT'S ACTION", 'ERROR'],
    view.deployments.map((d) => [
      d.parentDeploymentId,
      d.enabled ? 'enabled' : 'held',
      orDash(d.localDeploymentId),
      d.action === null
        ? '-'
        : `${d.action.kind} #${d.action.seq}${d.action.applied ? '' : ' (pending)'}`,
      d.error ?? '',
    ]),
  );
}

export function registerUpstreamCommand(program: Command): void {
  const upstream = program
    .command('upstream')
    .description("this server's parent server: the sync's freshness and errors");
  adminCommand(
    upstream,
    'status',
    'the parent, the last sync and report, and each deployment the parent enabled',
  ).action(async (_opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const view = await client.upstreamStatus();
    if (json) return printJson(asSent(view));
    printUpstream(view);
  });
}
