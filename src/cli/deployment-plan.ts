import type { Command } from 'commander';

/**
 * The plan flags shared by `deployment create` and `deployment plan`: the common case
 * as flags, the rest as a JSON / YAML file with `--plan`. Only the options live here,
 * light enough to register for `--help`; the action builds and checks the plan with
 * deployment-request.ts, before anything is sent.
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
  confidence?: string;
  minSample?: string;
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
export function collectGroups(value: string, previous: string[] | undefined): string[] {
  const names = value
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  return [...(previous ?? []), ...names];
}

/** `--update` may be repeated: the updates approved together as one deployment. */
export function collectUpdates(value: string, previous: string[] | undefined): string[] {
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
    .option(
      '--confidence <share>',
      'halt only when failures exceed --max-failure at this confidence, e.g. 0.95 (Wilson bound)',
    )
    .option(
      '--min-sample <n>',
      'a phase passes its gate only once this many of its computers have an outcome',
    )
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
