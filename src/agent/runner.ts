import type { CycleResult } from './core/agent-core.js';

/**
 * The agent's pace between cycles, shared by the CLI agent (real timers) and the
 * simulator (its one virtual scheduler): when to check in next after an answer, a
 * failure or a local error; when to open the push channel; when to give up.
 */

/** Before the server has said when to come back (seconds); also the longest backoff. */
export const FIRST_INTERVAL_SECONDS = 60;
/** The first wait after a failed cycle (seconds); it doubles up to the interval. */
export const FIRST_BACKOFF_SECONDS = 5;
/** The shortest wait between two cycles the agent plans itself (seconds). */
const MIN_WAIT_SECONDS = 1;
/** After a Retry-After of n seconds the agent waits n to n × (1 + this). */
export const RETRY_AFTER_JITTER = 0.5;

/** What one runner remembers between cycles; the simulator keeps it on each computer. */
export interface RunnerState {
  /** The check-in interval the server asked for last (seconds). */
  intervalSeconds: number;
  /** The wait after the next failure (seconds); 0: the first one. */
  backoffSeconds: number;
}

export function initialRunnerState(): RunnerState {
  return { intervalSeconds: FIRST_INTERVAL_SECONDS, backoffSeconds: 0 };
}

/** What the runner runs: the agent core's cycle. */
export interface Cycler {
  runCycle(): Promise<CycleResult>;
}

/** The push channel as the runner sees it: it opens after a successful cycle. */
export interface PushPort {
  /** The computer is enrolled and answered: hold the channel if not held yet. */
  ready(): void;
}

export interface RunnerOptions {
  core: Cycler;
  state: RunnerState;
  /** Epoch ms: real on the CLI, virtual in the simulator. */
  now: () => number;
  /** In [0, 1): spreads the check-ins of a fleet (jitter). */
  random: () => number;
  push?: PushPort;
}

/** One cycle and what follows it. */
export type RunnerStep =
  | { kind: 'cycle'; result: CycleResult; nextAt: number }
  /** The cycle threw (a full disk, a damaged file): try again after one interval. */
  | { kind: 'error'; message: string; nextAt: number }
  /** Retrying cannot help (enrollment refused): the agent stops. */
  | { kind: 'fatal'; result: CycleResult; message: string };

/** Runs one cycle of the core and decides when the next one is due. */
export async function runStep(options: RunnerOptions): Promise<RunnerStep> {
  const { core, state, now } = options;
  let result: CycleResult;
  try {
    result = await core.runCycle();
  } catch (error) {
    return {
      kind: 'error',
      message: error instanceof Error ? error.message : String(error),
      nextAt: now() + state.intervalSeconds * 1000,
    };
  }
  if (result.outcome === 'failed' && result.stage === 'enroll' && !result.transient) {
    return { kind: 'fatal', result, message: result.message };
  }
  if (result.outcome === 'ok') options.push?.ready();
  return { kind: 'cycle', result, nextAt: nextCycleAt(state, result, now(), options.random) };
}

/**
 * When the next cycle is due after `result`, at `now` (epoch ms); updates `state`.
 * After an answer: the server's interval ±20%, or sooner when something falls due
 * locally (a scheduled install, a deadline, a postponed restart). After a failure:
 * a backoff doubling from 5 s up to the interval, ±20%; when the server shed the call
 * with a Retry-After, at least that plus up to half as much again (jitter), so a shed
 * fleet does not come back all at once.
 */
export function nextCycleAt(
  state: RunnerState,
  result: CycleResult,
  now: number,
  random: () => number,
): number {
  const jitter = (): number => 0.8 + 0.4 * random();
  if (result.outcome === 'ok') {
    state.intervalSeconds = result.nextCheckinSeconds;
    state.backoffSeconds = 0;
    let seconds = state.intervalSeconds * jitter();
    if (result.nextDueAt !== null) {
      const due = (Date.parse(result.nextDueAt) - now) / 1000 + 1;
      seconds = Math.max(MIN_WAIT_SECONDS, Math.min(seconds, due));
    }
    return now + seconds * 1000;
  }
  const backoff = Math.min(state.backoffSeconds || FIRST_BACKOFF_SECONDS, state.intervalSeconds);
  state.backoffSeconds = Math.min(backoff * 2, state.intervalSeconds);
  let seconds = backoff * jitter();
  if (result.retryAfterSeconds !== undefined) {
    seconds = Math.max(seconds, result.retryAfterSeconds * (1 + RETRY_AFTER_JITTER * random()));
  }
  return now + seconds * 1000;
}

/** How the loop waits: real timers on the CLI, a virtual clock in tests. */
export interface Waiter {
  /** The agent is stopping: no further cycle. */
  readonly stopped: boolean;
  /** A wake-up (push, the local user) since the flag was cleared: cycle at once. */
  nudged: boolean;
  /** Waits `ms`, or less when stopped or nudged. */
  sleep(ms: number): Promise<void>;
}

/**
 * The agent's loop: cycles until stopped, waiting as `runStep` says; a wake-up during
 * a cycle earns one more cycle right after it. Returns the message of a fatal
 * failure, or null once stopped.
 */
export async function runLoop(
  options: RunnerOptions,
  waiter: Waiter,
  onStep: (step: RunnerStep) => void,
): Promise<string | null> {
  while (!waiter.stopped) {
    waiter.nudged = false;
    const step = await runStep(options);
    onStep(step);
    if (step.kind === 'fatal') return step.message;
    if (!waiter.nudged) await waiter.sleep(Math.max(0, step.nextAt - options.now()));
  }
  return null;
}
