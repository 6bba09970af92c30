import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Command } from 'commander';
import { AgentCore, type CycleEvent, type CycleResult } from '../agent/core/agent-core.js';
import type { PendingUpdateView, WaitingFor } from '../agent/core/local-user.js';
import type { ServerClient, WakeStatus } from '../agent/core/server-client.js';
import {
  approvalName,
  PENDING_FILE,
  POSTPONE_RESTART_NAME,
  readPendingView,
  readRequests,
  writeRequest,
} from '../agent/host/local-user-files.js';
import { RealHost } from '../agent/host/real-host.js';
import { HttpServerClient } from '../agent/http-client.js';
import { formatDuration, parseDuration } from '../domain/rollout/duration.js';
import { CliError, formatTime, print, printJson, printTable } from './output.js';

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

interface LocalOptions {
  stateDir?: string;
  json?: boolean;
  for?: string;
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

function requireStateDir(options: { stateDir?: string }): string {
  if (!options.stateDir) throw new CliError('give --state-dir: where the agent keeps its files', 2);
  return options.stateDir;
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

const waitingText: Record<WaitingFor, string> = {
  'download-approval': 'approval to download',
  'install-approval': 'approval to install',
  'scheduled-install': 'its scheduled time',
};

async function showPending(options: LocalOptions): Promise<void> {
  const stateDir = requireStateDir(options);
  const view = await readLocalView(stateDir);
  const requests = await readRequests(stateDir);
  if (options.json) {
    printJson({
      updatedAt: view?.updatedAt ?? null,
      computerId: view?.computerId ?? null,
      updates: view?.updates ?? [],
      restart: view?.restart ?? null,
      requests,
    });
    return;
  }
  if (!view) {
    print(`nothing published yet: the agent has not finished a cycle with --state-dir ${stateDir}`);
    return;
  }
  print(`as of ${formatTime(view.updatedAt)}`);
  printTable(
    ['UPDATE', 'WAITING FOR', 'SINCE', 'INSTALL AT', 'DEADLINE', 'TITLE'],
    view.updates.map((u) => [
      u.updateId,
      u.approved ? `${waitingText[u.waitingFor]} (approved)` : waitingText[u.waitingFor],
      formatTime(u.since),
      formatTime(u.installAt),
      formatTime(u.deadline),
      u.title,
    ]),
    'no updates waiting',
  );
  const restart = view.restart;
  if (restart) {
    const how = restart.postponedUntil
      ? `postponed until ${formatTime(restart.postponedUntil)}`
      : restart.blockedByLoggedOnUser
        ? 'not automatic while a user is logged on'
        : restart.automatic
          ? 'the agent restarts the computer'
          : 'waiting for someone to restart the computer';
    print(`restart needed for ${restart.updates.join(', ')}: ${how}`);
  }
  for (const r of requests) {
    const what =
      r.kind === 'approve'
        ? `approval of the ${r.stage} of ${r.updateId}`
        : `restart postponement until ${formatTime(r.until)}`;
    print(`${what}: waiting for the agent to pick it up`);
  }
}

async function approve(updateId: string, options: LocalOptions): Promise<void> {
  const stateDir = requireStateDir(options);
  const view = await readLocalView(stateDir);
  if (!view) {
    throw new CliError(
      `nothing is pending: ${path.join(stateDir, PENDING_FILE)} does not exist (is the agent running with this --state-dir?)`,
    );
  }
  const item = view.updates.find((u: PendingUpdateView) => u.updateId === updateId);
  if (!item) {
    const ids = view.updates.map((u) => u.updateId);
    throw new CliError(
      `${updateId} is not pending on this computer (${ids.length ? `pending: ${ids.join(', ')}` : 'nothing is pending'})`,
    );
  }
  const stage = item.waitingFor === 'download-approval' ? 'download' : 'install';
  const body = {
    kind: 'approve' as const,
    updateId,
    stage,
    requestedAt: new Date().toISOString(),
    by: userName(),
  } as const;
  const file = await writeRequest(stateDir, approvalName(updateId), body);
  if (options.json) {
    printJson({ ...body, file });
    return;
  }
  print(
    stage === 'download'
      ? `approved the download of ${updateId}; the agent asks again before installing it`
      : `approved the install of ${updateId}`,
  );
  print('a running agent acts on it within seconds; otherwise at its next run');
}

async function postponeRestart(options: LocalOptions): Promise<void> {
  const stateDir = requireStateDir(options);
  const seconds = parseDuration(options.for ?? '4h');
  if (seconds === null || seconds <= 0) {
    throw new CliError(`--for: not a duration: ${options.for} (try 30m, 4h, 1d)`, 2);
  }
  const now = new Date();
  const body = {
    kind: 'postpone-restart' as const,
    until: new Date(now.getTime() + seconds * 1000).toISOString(),
    requestedAt: now.toISOString(),
    by: userName(),
  };
  const file = await writeRequest(stateDir, POSTPONE_RESTART_NAME, body);
  const view = await readLocalView(stateDir);
  if (options.json) {
    printJson({ ...body, file, restartPending: view?.restart != null });
    return;
  }
  print(`no automatic restart before ${formatTime(body.until)} (${formatDuration(seconds)})`);
  if (!view?.restart) print('no restart is pending now; this holds for one that comes meanwhile');
}

async function readLocalView(stateDir: string): ReturnType<typeof readPendingView> {
  try {
    return await readPendingView(stateDir);
  } catch (error) {
    throw new CliError(messageOf(error));
  }
}

function userName(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------
// Logging

type LogLine = { event: string; text: string } & Record<string, unknown>;
type Logger = (line: LogLine) => void;

function makeLogger(json: boolean): Logger {
  return ({ text, ...fields }) => {
    const at = new Date().toISOString();
    process.stdout.write(json ? `${JSON.stringify({ at, ...fields, text })}\n` : `${at} ${text}\n`);
  };
}

function describeWake(status: WakeStatus): LogLine {
  switch (status.type) {
    case 'connected':
      return { event: 'push-connected', text: 'push channel connected' };
    case 'dropped':
      return {
        event: 'push-dropped',
        message: status.message,
        retryInMs: status.retryInMs,
        text: `push channel dropped (${status.message}); reconnecting in ${Math.ceil(status.retryInMs / 1000)}s`,
      };
  }
}

function describeEvent(event: CycleEvent): LogLine {
  switch (event.type) {
    case 'enrolled':
      return {
        event: event.type,
        computerId: event.computerId,
        text: `enrolled as ${event.computerId}`,
      };
    case 'checked-in':
      return {
        event: event.type,
        computerId: event.computerId,
        assignments: event.assignments,
        text: `checked in: ${event.assignments} assignment(s)`,
      };
    case 'report': {
      const r = event.report;
      const detail = [r.reason, r.exitCode === null ? null : `exit ${r.exitCode}`, r.message]
        .filter((x) => x !== null)
        .join(', ');
      return {
        event: event.type,
        ...r,
        output: undefined,
        text: `${r.updateId}: ${r.state}${detail ? ` (${detail})` : ''}`,
      };
    }
    case 'awaiting-reboot':
      return {
        event: event.type,
        updateId: event.updateId,
        text: `${event.updateId}: waiting for a restart`,
      };
    case 'flushed':
      return { event: event.type, sent: event.sent, text: `sent ${event.sent} report(s)` };
    case 'flush-failed':
      return {
        event: event.type,
        message: event.message,
        text: `reports kept for later: ${event.message}`,
      };
    case 'credential-rejected':
      return {
        event: event.type,
        message: event.message,
        text: `the server refused our credential; enrolling again next cycle (${event.message})`,
      };
    case 'events-sent':
      return {
        event: event.type,
        events: event.events,
        text: `told the server: ${event.events.map((e) => `${e.kind} ${e.from} → ${e.to}`).join('; ')}`,
      };
    case 'user-request':
      return {
        event: event.type,
        applied: event.outcome.applied,
        request: event.outcome.request,
        text: `local request ${event.outcome.applied ? 'applied' : 'ignored'}: ${event.outcome.note}`,
      };
    case 'dropped':
      return {
        event: event.type,
        updateId: event.updateId,
        text: `${event.updateId}: no longer assigned; dropped the pending install and its files`,
      };
    case 'restart':
      return {
        event: event.type,
        outcome: event.outcome,
        updates: event.updates,
        text: `restart for ${event.updates.join(', ')}: ${event.message}`,
      };
  }
}

function describeResult(result: CycleResult): LogLine {
  if (result.outcome === 'ok') {
    return {
      event: 'cycle',
      outcome: result.outcome,
      computerId: result.computerId,
      nextCheckinSeconds: result.nextCheckinSeconds,
      nextDueAt: result.nextDueAt,
      assignments: result.assignments,
      text: `cycle done; next check-in in about ${result.nextCheckinSeconds}s`,
    };
  }
  return {
    event: 'cycle',
    outcome: result.outcome,
    stage: result.stage,
    transient: result.transient,
    message: result.message,
    text: result.message,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
