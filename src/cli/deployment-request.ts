import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { CreateDeploymentRequest } from '../contracts/api.js';
import { describeIssues } from '../contracts/parse.js';
import { validatePlan, type DeploymentPlan, type PlanResult } from '../contracts/plan.js';
import type { PlanOptions } from './deployment-plan.js';
import { parsePlanData, planFromFlags, type PlanFlags } from './plan-flags.js';
import { CliError } from './output.js';

/**
 * The request a `deployment create` or `deployment plan` sends, built and checked from
 * the plan options (deployment-plan.ts) before anything is sent, so a bad flag costs
 * nothing on the server. Loaded by the action, not at registration: it brings zod,
 * the plan contract and cron-parser.
 */

/** The options as PlanFlags for planFromFlags, and the names of the plan flags given. */
function planFlags(opts: PlanOptions): { flags: PlanFlags; given: string[] } {
  const flags: PlanFlags = {
    phases: opts.phases,
    soak: opts.soak,
    minSuccess: opts.minSuccess,
    maxFailure: opts.maxFailure,
    manual: opts.manual,
    confidence: opts.confidence,
    minSample: opts.minSample,
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
    confidence: '--confidence',
    minSample: '--min-sample',
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
  const source = `invalid plan in ${file}`;
  const parsed = await parsePlanData(text, format);
  if (!parsed.ok) throw new CliError(`${source}: ${describeIssues(parsed.issues)}`, 2);
  const plan = checked(validatePlan(parsed.data), source);
  const data = parsed.data;
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
