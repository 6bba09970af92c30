import { Option, type Command } from 'commander';
import { AgentCore } from '../agent/core/agent-core.js';
import { RealHost } from '../agent/host/real-host.js';
import { AGENT_RESTART_EXIT } from '../agent/host/agent-versions.js';
import { runInstallCommand } from '../agent/installers/command-installer.js';
import { HttpServerClient } from '../agent/http-client.js';
import { pinnedCa } from '../agent/pinned-ca.js';
import { ServerList, startingServer } from '../agent/core/server-list.js';
import { enrollmentNonce } from '../agent/core/credential.js';
import { ServerStateFile } from '../agent/server-state.js';
import { endpointsOf } from '../agent/endpoints.js';
import { holdPush, PUSH_RETRY_MS } from '../agent/push-holder.js';
import {
  initialRunnerState,
  runLoop,
  type PushPort,
  type RunnerStep,
  type Waiter,
} from '../agent/runner.js';
import { formatDuration } from '../domain/rollout/duration.js';
import { CliError } from './output.js';
import { serverUrls } from './server-url.js';
import { wholeNumber } from './option-parsers.js';
import { nodeTrustCrypto } from '../agent/trust-crypto.js';

export { serverUrl, serverUrls } from './server-url.js';
import {
  approve,
  postpone,
  postponeRestart,
  requireStateDir,
  showPending,
  showStatus,
  type LocalOptions,
} from './agent-local.command.js';
import {
  describeEvent,
  describeResult,
  describeWake,
  makeLogger,
  messageOf,
  type LogLine,
} from './agent-log.js';

interface AgentCommandOptions {
  /** Every `--server` given, in order. */
  server?: string[];
  ca?: string;
  enrollmentToken?: string;
  stateDir?: string;
  site?: string;
  ownerEmail?: string;
  once?: boolean;
  hostname?: string;
  hardwareId?: string;
  json?: boolean;
  rebootCommand?: string;
  rateLimit?: number;
  /** `--no-push` sets it false. */
  push: boolean;
  stopReason: string;
}

const DEFAULT_STOP_REASON = 'stopped by a user or service manager';

export function registerAgentCommand(program: Command): void {
  const agent = program
    .command('agent')
    .description('run the agent on this computer: enroll, check in, install what is assigned')
    .option(
      '--server <url>',
      'server URL; repeat it (or separate with commas) for replicas of one server, which the ' +
        'agent fails over between (default: $RINGMASTER_URL, comma-separated)',
      (url: string, previous: string[] | undefined) => [...(previous ?? []), url],
    )
    .option(
      '--ca <file>',
      "trust only this CA (PEM) for the server's certificate; kept in the state dir, so " +
        'later starts need it no more (default: $RINGMASTER_CA, else the one kept)',
    )
    .option(
      '--enrollment-token <token>',
      'token to enroll with, needed once (default: $RINGMASTER_ENROLLMENT_TOKEN)',
    )
    // Not "required" here: commander would demand it of the subcommands too.
    .option(
      '--state-dir <dir>',
      'where the agent keeps its credential, outbox and files (required; default: $RINGMASTER_STATE_DIR)',
    )
    .option('--site <site>', 'the site this computer is at (default: $RINGMASTER_SITE)')
    .option(
      '--owner-email <address>',
      'the e-mail of the person who uses this computer: the server tells them the rollout schedule',
    )
    .option('--once', 'run one cycle, then exit')
    .option('--hostname <name>', 'report this hostname instead of the real one')
    .option('--hardware-id <id>', 'report this hardware id instead of the real one')
    .option(
      '--reboot-command <cmd>',
      'how to restart the computer when an update needs it (default: never restart it; wait for someone to)',
    )
    .addOption(
      new Option(
        '--rate-limit <bytes>',
        'at most this many bytes a second for downloads (default: unlimited)',
      )
        .env('RINGMASTER_RATE_LIMIT')
        // An empty line in the config file is no limit.
        .argParser((text) => (text.trim() === '' ? 0 : wholeNumber('--rate-limit', 1e12)(text))),
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
    .command('status')
    .description('is this computer enrolled, when did the agent last run, what is waiting')
    .option('--state-dir <dir>', "the agent's state dir")
    .option('--json', 'print JSON')
    .action(async (_options: LocalOptions, command: Command) => {
      await showStatus(command.optsWithGlobals<LocalOptions>());
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
    .command('postpone')
    .description(
      'put off the install of a pending update (told to the server as user-postponed); a deadline still installs it',
    )
    .argument('<update-id>', 'the update, as `agent pending` lists it')
    .option('--for <duration>', 'how long, e.g. 30m, 4h, 1d', '4h')
    .option('--take-back', 'take the postponement back: the agent goes on with the install')
    .option('--state-dir <dir>', "the agent's state dir")
    .option('--json', 'print JSON')
    .action(async (updateId: string, _options: LocalOptions, command: Command) => {
      await postpone(updateId, command.optsWithGlobals<LocalOptions>());
    });

  agent
    .command('postpone-restart')
    .description('postpone the automatic restart the agent would make for an update')
    .option('--for <duration>', 'how long, e.g. 30m, 4h, 1d', '4h')
    .option('--take-back', 'take the restart postponement back')
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
  const urls = serverUrls(options.server);
  const log = makeLogger(options.json === true);
  const host = new RealHost({
    stateDir,
    // An empty RINGMASTER_SITE= (as a config file may hold) is no site.
    site: options.site ?? (process.env.RINGMASTER_SITE || null),
    ownerEmail: options.ownerEmail ?? null,
    hostname: options.hostname,
    hardwareId: options.hardwareId,
    rebootCommand: options.rebootCommand,
    rateLimit: options.rateLimit ? options.rateLimit : undefined,
  });
  let ca;
  try {
    ca = await pinnedCa({
      stateDir,
      caFile: options.ca ?? process.env.RINGMASTER_CA,
      serverUrls: urls,
    });
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  if (ca !== null) {
    const how = ca.stored ? 'pinned (kept in the state dir)' : 'pinned at enrollment';
    log({
      event: 'ca-pinned',
      text: `server CA ${how}: ${ca.subject}, SHA-256 ${ca.fingerprint}`,
      subject: ca.subject,
      fingerprint: ca.fingerprint,
    });
  }
  // A name with several addresses is one entry per address.
  const endpoints = await endpointsOf(urls);
  const ids = endpoints.map((e) => e.id);
  // Its own place in the list, from the enrollment nonce: the same at every start, even
  // before enrolling; spread evenly over a fleet.
  const start = startingServer(await enrollmentNonce(host.storage), ids.length);
  const serverState = new ServerStateFile(
    host.storage,
    ids,
    ids[start] as string,
    () => new Date(),
    (error) => log({ event: 'error', text: `cannot write servers.json: ${messageOf(error)}` }),
  );
  const servers = new ServerList(ids, start, (change) => {
    serverState.switched(change);
    log({
      event: 'server-switched',
      from: change.from,
      to: change.to,
      reason: change.reason,
      text: `now using server ${change.to} (${change.reason})`,
    });
  });
  if (ids.length > 1) {
    log({
      event: 'servers',
      servers: ids,
      current: servers.current,
      text: `servers: ${ids.join(', ')}; starting with ${servers.current}`,
    });
  }
  const client = new HttpServerClient({ servers, endpoints, ...(ca ? { ca: ca.pem } : {}) });
  const stop = new StopSignal();
  // Set when the agent switched versions: it exits so that the launcher starts that one.
  let restarting: string | null = null;
  const core = new AgentCore({
    host,
    installer: runInstallCommand,
    client,
    enrollmentToken: options.enrollmentToken ?? process.env.RINGMASTER_ENROLLMENT_TOKEN,
    now: () => new Date(),
    shouldStop: () => stop.stopped,
    onEvent: (event) => {
      log(describeEvent(event));
      if (event.type === 'agent-restart') {
        restarting = event.message;
        stop.stop();
      }
    },
    verifier: nodeTrustCrypto(),
  });

  try {
    await core.started();
    if (options.once) {
      const result = await core.runCycle();
      log(describeResult(result));
      if (restarting !== null) process.exitCode = AGENT_RESTART_EXIT;
      else if (result.outcome === 'failed') throw new CliError(result.message);
      return;
    }
    const unwatch = host.user.watch(() => stop.nudge());
    // The push channel starts once the computer has enrolled (it needs the credential).
    const held: { holding: Promise<void> | null } = { holding: null };
    const push: PushPort = {
      ready: () => {
        if (!options.push || held.holding) return;
        held.holding = holdPush({
          client,
          credential: () => core.credential(),
          signal: stop.pushSignal,
          onWake: (kind) => {
            if (kind === 'scan') core.requestScan();
            const text =
              kind === 'scan'
                ? 'the server asked for a scan now'
                : 'the server asked for a check-in now';
            log({ event: 'wake', kind, text });
            stop.nudge();
          },
          onStatus: (status) => {
            serverState.push(status.type === 'connected' ? (status.server ?? null) : null);
            log(describeWake(status));
          },
          onRefused: (message) => {
            const text = `push channel refused: ${message}; trying again in ${formatDuration(PUSH_RETRY_MS / 1000)}`;
            log({ event: 'push-refused', text });
          },
        });
      },
    };
    log({ event: 'started', text: 'agent started' });
    let fatal: string | null;
    try {
      fatal = await runLoop(
        {
          core,
          state: initialRunnerState(),
          now: () => Date.now(),
          random: Math.random,
          push,
        },
        stop,
        (step) => log(describeStep(step)),
      );
    } finally {
      unwatch();
      stop.abortPush();
      await held.holding;
    }
    if (fatal !== null) throw new CliError(fatal);
    if (stop.stopped) await core.stopped(restarting ?? options.stopReason);
    if (restarting !== null) process.exitCode = AGENT_RESTART_EXIT;
    log({ event: 'stopped', text: 'agent stopped' });
  } finally {
    stop.dispose();
    serverState.push(null);
    await serverState.flushed();
    await client.close();
  }
}

function describeStep(step: RunnerStep): LogLine {
  switch (step.kind) {
    case 'cycle':
    case 'fatal':
      return describeResult(step.result);
    case 'error':
      // Local trouble (a full disk, a damaged file): say so, and try again later.
      return { event: 'error', text: `cycle failed: ${step.message}` };
  }
}

/**
 * SIGTERM/SIGINT: let the current step finish, skip the wait, stop. A second signal
 * does not wait any more. `nudge()` ends a wait early (a wake-up or a local request).
 */
class StopSignal implements Waiter {
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

  /** The agent itself decided to stop (to restart into another version). */
  stop(): void {
    this.stopped = true;
    this.push.abort();
    this.wake?.();
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
