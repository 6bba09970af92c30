import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import type { CreateDeploymentRequest } from '../contracts/api.js';
import { describeIssues } from '../contracts/parse.js';
import type { DeploymentPlan, PlanResult } from '../contracts/plan.js';
import { parsePlanText, planFromFlags, type PlanFlags } from './plan-flags.js';
import { parse as parseYaml } from 'yaml';
import { CliError } from './output.js';

/**
 * The plan flags shared by `deployment create` and `deployment plan`: the common case
 * as flags, the rest as a JSON / YAML file with `--plan`. The plan is built and checked
 * here, before anything is sent, so a bad flag costs nothing on the server.
 */

/** The options commander gives the action of a command with `addPlanOptions`. */
export type PlanOptions = {
  update: string[];
  group: string[];
  plan?: string;
  phases?: string;
  soak?: string;
  minSuccess?: string;
  maxFailure?: string;
  manual?: boolean;
  available?: string;
  deadline?: string;
  emergency?: boolean;
  reason?: string;
  policy?: string;
  recurrence?: string;
  maxAttempts?: string;
  /** commander's `--no-auto-restart-while-logged-on`: false when given. */
  autoRestartWhileLoggedOn?: boolean;
};

/** Group names never hold commas, so `--group a,b` is the same as `--group a --group b`. */
function collectGroups(value: string, previous: string[] | undefined): string[] {
  const names = value
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  return [...(previous ?? []), ...names];
}

/** `--update` may be repeated: the updates approved together as one deployment. */
function collectUpdates(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addPlanOptions(command: Command): Command {
  return command
    .requiredOption(
      '--update <id>',
      'an update to deploy (repeat for several, approved together)',
      collectUpdates,
    )
    .requiredOption(
      '--group <name>',
      'a target group (repeat, or separate with commas, for several)',
      collectGroups,
    )
    .option('--plan <file>', 'the whole plan from a JSON or YAML file (instead of the flags below)')
    .option(
      '--phases <list>',
      'phases, cumulative: "pilot:5%,early:25%,broad:100%" or "servers:group=srv,rest:100%"',
    )
    .option('--soak <duration>', 'wait after a phase opens before the next may open (default 1d)')
    .option('--min-success <percent>', 'share of a phase that must succeed to go on (default 95%)')
    .option('--max-failure <percent>', 'share of a phase failed that halts the deployment')
    .option('--manual', 'each next phase opens only when an approver promotes it')
    .option('--available <time>', 'not before this time (ISO date-time, "now" or "+2h")')
    .option('--deadline <time>', 'install enforced from this time (ISO date-time, "now" or "+2h")')
    .option(
      '--emergency',
      'skip soak times, deadline now, wake the agents at once (needs --reason)',
    )
    .option('--reason <text>', 'why this is an emergency')
    .option('--policy <policy>', 'client policy: notify, auto-download or scheduled (default)')
    .option('--recurrence <duration>', 'retry a failed install after this long (default 7d)')
    .option('--max-attempts <n>', 'install attempts per computer (default 5)')
    .option(
      '--no-auto-restart-while-logged-on',
      'never restart automatically while a user is logged on',
    );
}

/** The options as PlanFlags for planFromFlags, and the names of the plan flags given. */
function planFlags(opts: PlanOptions): { flags: PlanFlags; given: string[] } {
  const flags: PlanFlags = {
    phases: opts.phases,
    soak: opts.soak,
    minSuccess: opts.minSuccess,
    maxFailure: opts.maxFailure,
    manual: opts.manual,
    available: opts.available,
    deadline: opts.deadline,
    emergency: opts.emergency,
    reason: opts.reason,
    policy: opts.policy,
    recurrence: opts.recurrence,
    maxAttempts: opts.maxAttempts,
    noAutoRestart: opts.autoRestartWhileLoggedOn === false,
  };
  const names: Record<keyof PlanFlags, string> = {
    phases: '--phases',
    soak: '--soak',
    minSuccess: '--min-success',
    maxFailure: '--max-failure',
    manual: '--manual',
    available: '--available',
    deadline: '--deadline',
    emergency: '--emergency',
    reason: '--reason',
    policy: '--policy',
    recurrence: '--recurrence',
    maxAttempts: '--max-attempts',
    noAutoRestart: '--no-auto-restart-while-logged-on',
  };
  const given = (Object.keys(names) as (keyof PlanFlags)[])
    .filter((k) => flags[k] !== undefined && flags[k] !== false)
    .map((k) => names[k]);
  return { flags, given };
}

function checked(result: PlanResult, source: string): DeploymentPlan {
  if (!result.ok) throw new CliError(`${source}: ${describeIssues(result.issues)}`, 2);
  return result.plan;
}

/** The plan in a file, and whether the file sets the client policy itself. */
async function planFromFile(file: string): Promise<{ plan: DeploymentPlan; policySet: boolean }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`--plan: cannot read ${file}: ${(e as Error).message}`, 2);
  }
  const ext = extname(file).toLowerCase();
  const format = ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : 'auto';
  const plan = checked(parsePlanText(text, format), `invalid plan in ${file}`);
  // The text parsed as a plan just above, so it parses again here.
  const asJson = format === 'json' || (format === 'auto' && /^\s*[{[]/.test(text));
  const data: unknown = asJson ? JSON.parse(text) : parseYaml(text);
  const policySet = typeof data === 'object' && data !== null && 'policy' in data;
  return { plan, policySet };
}

/**
 * The request for `POST /deployments` (and its dry run) from the command's options.
 * Throws a CliError with exit code 2, naming each bad field, before anything is sent.
 */
export async function deploymentRequest(
  opts: PlanOptions,
  now = Date.now(),
): Promise<CreateDeploymentRequest> {
  const { flags, given } = planFlags(opts);
  let plan: DeploymentPlan;
  let policySet: boolean;
  if (opts.plan !== undefined) {
    if (given.length > 0) {
      throw new CliError(
        `--plan cannot be combined with ${given.join(', ')}: put those in the plan file, or leave out --plan`,
        2,
      );
    }
    ({ plan, policySet } = await planFromFile(opts.plan));
  } else {
    if (flags.emergency && (flags.reason === undefined || flags.reason.trim() === '')) {
      throw new CliError('--emergency needs --reason "why", which every event will show', 2);
    }
    plan = checked(planFromFlags(flags, now), 'invalid plan');
    policySet = flags.policy !== undefined;
  }
  // Without a policy of its own, the computers' groups decide (else scheduled).
  const { policy: _policy, ...withoutPolicy } = plan;
  const sent = policySet ? plan : withoutPolicy;
  if (opts.group.length === 0) throw new CliError('--group: give at least one group name', 2);
  const updates = [...new Set(opts.update)];
  // One update goes as `update`, which every server version takes.
  const target = updates.length === 1 ? { update: updates[0] } : { updates };
  return { ...target, groups: opts.group, plan: sent };
}
