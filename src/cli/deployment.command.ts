import { Option, type Command } from 'commander';
import { deploymentComputerSorts, deploymentSorts } from '../contracts/list-sorts.js';
import { deploymentStates, type DeploymentState } from '../domain/deployment/state.js';
import {
  failureReasons,
  statusStates,
  type FailureReason,
  type StatusState,
} from '../domain/status.js';
import { asSent } from '../client/sent.js';
import { ApiError } from '../client/errors.js';
import { formatTree } from './child.command.js';
import { adminCommand, connect } from './connection.js';
import { printDiscrepancies } from './scan-format.js';
import {
  fetchPages,
  formatPageFooter,
  printPageFooter,
  withPageOptions,
  type PageOptions,
} from './paging.js';
import { registerDeploymentActions } from './deployment-actions.command.js';
import {
  currentPhase,
  formatCounts,
  formatDeploymentComputers,
  formatDryRun,
  formatPhases,
  formatSummary,
  updatesOf,
} from './deployment-format.js';
import { addPlanOptions, type PlanOptions } from './deployment-plan.js';
import { CliError, formatTime, print, printJson, printTable } from './output.js';
import { parseSla } from './review-flags.js';

export { formatCounts } from './deployment-format.js';

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new CliError(`--limit: "${value}" must be a whole number ≥ 0 (0 shows all)`, 2);
  }
  return n;
}

type DeploymentComputerOptions = PageOptions & {
  state?: StatusState;
  phase?: string;
  reason?: FailureReason;
};

type DeploymentListOptions = PageOptions & {
  q?: string;
  state?: DeploymentState;
  update?: string;
  group?: string;
};

export function registerDeploymentCommand(program: Command): void {
  const deployment = program
    .command('deployment')
    .description('deployments of an update to groups, in phases');

  addPlanOptions(
    adminCommand(deployment, 'create', 'deploy an update to groups, in phases with health gates'),
  )
    .option(
      '--allow-duplicate',
      'deploy even if a live deployment of the update already targets one of the groups',
    )
    .option('--sla <target>', 'the target its review measures against, e.g. 95%@48h')
    .action(
      async (opts: PlanOptions & { allowDuplicate?: boolean; sla?: string }, cmd: Command) => {
        // The plan is built and checked before connecting: a bad flag sends nothing.
        const { deploymentRequest } = await import('./deployment-request.js');
        const request = await deploymentRequest(opts);
        if (opts.allowDuplicate === true) request.allowDuplicate = true;
        if (opts.sla !== undefined) request.sla = parseSla(opts.sla);
        const { client, json } = await connect(cmd);
        const created = await client.createDeployment(request);
        if (json) return printJson(asSent(created));
        print(`Created deployment ${created.id}.`);
        print();
        print(formatSummary(created));
        print();
        print(formatPhases(created.phases));
      },
    );

  addPlanOptions(
    adminCommand(
      deployment,
      'plan',
      'show which computers each phase of a plan would reach, and when (--dry-run)',
    ),
  )
    .option('--dry-run', 'only show the plan; nothing is created (the default and only mode)')
    .option('--limit <n>', 'computers listed per phase (0: all)', '10')
    .action(async (opts: PlanOptions & { limit: string }, cmd: Command) => {
      const limit = parseLimit(opts.limit);
      const { deploymentRequest } = await import('./deployment-request.js');
      const request = await deploymentRequest(opts);
      const { client, json } = await connect(cmd);
      const run = await client.dryRunDeployment(request);
      if (json) return printJson(asSent(run));
      print(formatDryRun(run, limit));
    });

  withPageOptions(
    adminCommand(deployment, 'list', 'list deployments, newest first'),
    deploymentSorts,
  )
    .option(
      '--q <text>',
      'only deployments whose id, or the id of an update they carry, holds this text',
    )
    .addOption(
      new Option('--state <state>', 'only deployments in this state').choices(deploymentStates),
    )
    .option('--update <id>', 'only deployments carrying this update')
    .option('--group <name>', 'only deployments targeting this group')
    .action(async (opts: DeploymentListOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const { q, state, update, group } = opts;
      const list = await fetchPages(opts, (page) =>
        client.listDeployments({ ...page, q, state, update, group }),
      );
      if (json) return printJson(asSent(list));
      printTable(
        ['ID', 'UPDATE', 'GROUPS', 'STATE', 'PHASE', 'CREATED', 'PROGRESS'],
        list.items.map((d) => [
          d.id,
          updatesOf(d).join(','),
          d.groups.join(','),
          d.emergency === null ? d.state : `${d.state} (emergency)`,
          currentPhase(d),
          formatTime(d.createdAt),
          formatCounts(d),
        ]),
        'No deployments.',
      );
      printPageFooter(list);
    });

  adminCommand(
    deployment,
    'show <id>',
    'show a deployment: its state, phases and the first page of its computers',
  ).action(async (id: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const found = await client.getDeployment(id);
    if (json) return printJson(asSent(found));
    const computers = await client.listDeploymentComputers(id);
    print(formatSummary(found));
    print();
    print(formatPhases(found.phases));
    print();
    print(formatDeploymentComputers(computers.items));
    if (computers.nextCursor !== null)
      print(`${formatPageFooter(computers)} (deployment computers ${id})`);
    if (found.discrepancies.length > 0) {
      print();
      print('Discrepancies (status says installed, the scan does not find it):');
      printDiscrepancies(found.discrepancies);
    }
    // A server older than child servers answers 404: nothing more to show then.
    const tree = await client.deploymentTree(id).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    });
    if (tree !== null && tree.children.length > 0) {
      print();
      for (const line of formatTree(tree)) print(line);
    }
  });

  withPageOptions(
    adminCommand(
      deployment,
      'computers <id>',
      "a deployment's computers: the phase and state of each computer × update",
    ),
    deploymentComputerSorts,
  )
    .addOption(new Option('--state <state>', 'only this status state').choices(statusStates))
    .option('--phase <name>', 'only computers placed in this phase')
    .addOption(new Option('--reason <reason>', 'only this failure reason').choices(failureReasons))
    .action(async (id: string, opts: DeploymentComputerOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const { state, phase, reason } = opts;
      const computers = await fetchPages(opts, (page) =>
        client.listDeploymentComputers(id, { ...page, state, phase, reason }),
      );
      if (json) return printJson(asSent(computers));
      print(formatDeploymentComputers(computers.items));
      printPageFooter(computers);
    });

  adminCommand(
    deployment,
    'set <id>',
    "change a deployment's review target: --sla 95%@48h, or --clear-sla",
  )
    .option('--sla <target>', 'a share of the target installed within a time, e.g. 95%@48h')
    .option('--clear-sla', 'remove the target')
    .action(async (id: string, opts: { sla?: string; clearSla?: boolean }, cmd: Command) => {
      if ((opts.sla === undefined) === (opts.clearSla !== true)) {
        throw new CliError('give one of --sla 95%@48h or --clear-sla', 2);
      }
      const sla = opts.sla === undefined ? null : parseSla(opts.sla);
      const { client, json } = await connect(cmd);
      const set = await client.setDeploymentSla(id, { sla });
      if (json) return printJson(asSent(set));
      print(
        set.sla === null
          ? `Deployment ${id} has no SLA.`
          : `Deployment ${id}: SLA ${set.sla.percent}% installed within ${set.sla.hours}h (set by ${set.setBy ?? '-'}).`,
      );
    });

  registerDeploymentActions(deployment);
}
