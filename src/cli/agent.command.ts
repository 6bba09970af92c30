import { setTimeout as delay } from 'node:timers/promises';
import type { Command } from 'commander';
import { AgentCore, type CycleResult } from '../agent/core/agent-core.js';
import type { ServerClient } from '../agent/core/server-client.js';
import { RealHost } from '../agent/host/real-host.js';
import { HttpServerClient } from '../agent/http-client.js';
import { formatDuration } from '../domain/rollout/duration.js';
import { CliError } from './output.js';
import {
  approve,
  postponeRestart,
  requireStateDir,
  showPending,
  type LocalOptions,
} from './agent-local.command.js';
import {
  describeEvent,
  describeResult,
  describeWake,
  makeLogger,
  messageOf,
  type Logger,
} from './agent-log.js';

interface AgentCommandOptions {
  server?: string;
  enrollmentToken?: string;
  stateDir?: string;
  site?: string;
  once?: boolean;
  hostname?: string;
  hardwareId?: string;
  json?: boolean;
  rebootCommand?: string;
  /** `--no-push` sets it false. */
  push: boolean;
  stopReason: string;
}

/** Before the server has said when to come back, and the first backoff step. */
const DEFAULT_INTERVAL_SECONDS = 60;
const FIRST_BACKOFF_SECONDS = 5;
const DEFAULT_STOP_REASON = 'stopped by a user or service manager';
/** After the server refused the push channel (or before enrollment): try again then. */
const PUSH_RETRY_MS = 5 * 60_000;
/** The credential went away (enrolling again): look for the new one then. */
const PUSH_WAIT_FOR_ENROLLMENT_MS = 5_000;

export function registerAgentCommand(program: Command): void {
  const agent = program
    .command('agent')
    .description('run the agent on this computer: enroll, check in, install what is assigned')
    .option('--server <url>', 'server URL (default: $RINGMASTER_SERVER)')
    .option(
      '--enrollment-token <token>',
      'token to enroll with, needed once (default: $RINGMASTER_ENROLLMENT_TOKEN)',
    )
    // Not "required" here: commander would demand it of the subcommands too.
    .option(
      '--state-dir <dir>',
      'where the agent keeps its credential, outbox and files (required)',
    )
    .option('--site <site>', 'the site this computer is at')
    .option('--once', 'run one cycle, then exit')
    .option('--hostname <name>', 'report this hostname instead of the real one')
    .option('--hardware-id <id>', 'report this hardware id instead of the real one')
    .option(
      '--reboot-command <cmd>',
      'how to restart the computer when an update needs it (default: never restart it; wait for someone to)',
    )
    .option('--no-push', 'do not hold the push channel (check in on the server pace only)')
    .option(
      '--stop-reason <text>',
      'why the agent stops, told to the server at the next start',
      DEFAULT_STOP_REASON,
    )
    .option('--json', 'log one JSON object per line')
    .action(async (options: AgentCommandOptions) => {
      await runAgent(options);
    });

  agent
    .command('pending')
    .description('list the updates waiting for a local admin, and any pending restart')
    .option('--state-dir <dir>', "the agent's state dir")
    .option('--json', 'print JSON')
    .action(async (_options: LocalOptions, command: Command) => {
      await showPending(command.optsWithGlobals<LocalOptions>());
    });

  agent
    .command('install')
    .description('approve a pending update: its download (notify policy) or its install')
    .argument('<update-id>', 'the update, as `agent pending` lists it')
    .option('--state-dir <dir>', "the agent's state dir")
    .option('--json', 'print JSON')
    .action(async (updateId: string, _options: LocalOptions, command: Command) => {
      await approve(updateId, command.optsWithGlobals<LocalOptions>());
    });

  agent
    .command('postpone-restart')
    .description('postpone the automatic restart the agent would make for an update')
    .option('--for <duration>', 'how long, e.g. 30m, 4h, 1d', '4h')
    .option('--state-dir <dir>', "the agent's state dir")
    .option('--json', 'print JSON')
    .action(async (_options: LocalOptions, command: Command) => {
      await postponeRestart(command.optsWithGlobals<LocalOptions>());
    });
}

// ---------------------------------------------------------------------------------------
// Running the agent

async function runAgent(options: AgentCommandOptions): Promise<void> {
  const stateDir = requireStateDir(options);
  const server = options.server ?? process.env.RINGMASTER_SERVER;
  if (!server) throw new CliError('no server: give --server or set RINGMASTER_SERVER', 2);
  const log = makeLogger(options.json === true);
  const host = new RealHost({
    stateDir,
    site: options.site ?? null,
    hostname: options.hostname,
    hardwareId: options.hardwareId,
    rebootCommand: options.rebootCommand,
  });
  const client = new HttpServerClient({ serverUrl: server });
  const stop = new StopSignal();
  const core = new AgentCore({
    host,
    client,
    enrollmentToken: options.enrollmentToken ?? process.env.RINGMASTER_ENROLLMENT_TOKEN,
    now: () => new Date(),
    shouldStop: () => stop.stopped,
    onEvent: (event) => log(describeEvent(event)),
  });

  try {
    await core.started();
    if (options.once) {
      const result = await core.runCycle();
      log(describeResult(result));
      if (result.outcome === 'failed') throw new CliError(result.message);
      return;
    }
    const unwatch = host.user.watch(() => stop.nudge());
    // The push channel starts once the computer has enrolled (it needs the credential).
    const push: { holding: Promise<void> | null } = { holding: null };
    const afterCycle = (result: CycleResult): void => {
      if (options.push && push.holding === null && result.outcome === 'ok') {
        push.holding = holdPush(core, client, stop, log);
      }
    };
    try {
      await loop(core, log, stop, afterCycle);
    } finally {
      unwatch();
      stop.abortPush();
      await push.holding;
    }
    if (stop.stopped) await core.stopped(options.stopReason);
    log({ event: 'stopped', text: 'agent stopped' });
  } finally {
    stop.dispose();
    await client.close();
  }
}

async function loop(
  core: AgentCore,
  log: Logger,
  stop: StopSignal,
  afterCycle: (result: CycleResult) => void,
): Promise<void> {
  log({ event: 'started', text: 'agent started' });
  let interval = DEFAULT_INTERVAL_SECONDS;
  let backoff = FIRST_BACKOFF_SECONDS;
  while (!stop.stopped) {
    // This cycle answers every wake-up so far; one during it earns one more cycle.
    stop.nudged = false;
    let delaySeconds: number;
    try {
      const result = await core.runCycle();
      log(describeResult(result));
      afterCycle(result);
      if (result.outcome === 'ok') {
        interval = result.nextCheckinSeconds;
        backoff = FIRST_BACKOFF_SECONDS;
        delaySeconds = interval * (0.8 + Math.random() * 0.4);
        if (result.nextDueAt !== null) {
          // A scheduled install, a deadline or a postponement ends before that.
          const due = (Date.parse(result.nextDueAt) - Date.now()) / 1000 + 1;
          delaySeconds = Math.max(1, Math.min(delaySeconds, due));
        }
      } else if (result.stage === 'enroll' && !result.transient) {
        throw new CliError(result.message);
      } else {
        delaySeconds = Math.min(backoff, interval) * (0.8 + Math.random() * 0.4);
        backoff = Math.min(backoff * 2, interval);
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      // Local trouble (a full disk, a damaged file): say so, and try again later.
      log({ event: 'error', text: `cycle failed: ${messageOf(error)}` });
      delaySeconds = interval;
    }
    if (!stop.nudged) await stop.sleep(delaySeconds * 1000);
  }
}

/** Holds the push channel while the agent runs; every "check in now" starts a cycle. */
async function holdPush(
  core: AgentCore,
  client: ServerClient,
  stop: StopSignal,
  log: Logger,
): Promise<void> {
  const wake = client.wake?.bind(client);
  if (!wake) return;
  const signal = stop.pushSignal;
  const pause = async (ms: number): Promise<void> => {
    await delay(ms, undefined, { signal }).catch(() => undefined);
  };
  while (!signal.aborted) {
    const auth = await core.credential().catch(() => null);
    if (!auth) {
      await pause(PUSH_WAIT_FOR_ENROLLMENT_MS);
      continue;
    }
    try {
      await wake(
        auth,
        () => {
          log({ event: 'wake', text: 'the server asked for a check-in now' });
          stop.nudge();
        },
        signal,
        (status) => log(describeWake(status)),
      );
    } catch (error) {
      const text = `push channel refused: ${messageOf(error)}; trying again in ${formatDuration(PUSH_RETRY_MS / 1000)}`;
      log({ event: 'push-refused', text });
      await pause(PUSH_RETRY_MS);
    }
  }
}

/**
 * SIGTERM/SIGINT: let the current step finish, skip the wait, stop. A second signal
 * does not wait any more. `nudge()` ends a wait early (a wake-up or a local request).
 */
class StopSignal {
  stopped = false;
  nudged = false;
  private wake: (() => void) | null = null;
  private readonly push = new AbortController();
  private readonly handler = (signal: NodeJS.Signals): void => {
    if (this.stopped) process.exit(signal === 'SIGINT' ? 130 : 143);
    this.stopped = true;
    this.push.abort();
    this.wake?.();
  };

  constructor() {
    process.on('SIGTERM', this.handler);
    process.on('SIGINT', this.handler);
  }

  get pushSignal(): AbortSignal {
    return this.push.signal;
  }

  abortPush(): void {
    this.push.abort();
  }

  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  sleep(ms: number): Promise<void> {
    if (this.stopped || this.nudged) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  dispose(): void {
    process.off('SIGTERM', this.handler);
    process.off('SIGINT', this.handler);
  }
}

// ---------------------------------------------------------------------------------------
// The local commands: the person at the computer
