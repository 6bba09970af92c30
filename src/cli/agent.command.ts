import type { Command } from 'commander';
import { AgentCore, type CycleEvent, type CycleResult } from '../agent/core/agent-core.js';
import { RealHost } from '../agent/host/real-host.js';
import { HttpServerClient } from '../agent/http-client.js';
import { CliError } from './output.js';

interface AgentCommandOptions {
  server?: string;
  enrollmentToken?: string;
  stateDir: string;
  site?: string;
  once?: boolean;
  hostname?: string;
  hardwareId?: string;
  json?: boolean;
}

/** Before the server has said when to come back, and the first backoff step. */
const DEFAULT_INTERVAL_SECONDS = 60;
const FIRST_BACKOFF_SECONDS = 5;

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('run the agent on this computer: enroll, check in, install what is assigned')
    .option('--server <url>', 'server URL (default: $RINGMASTER_SERVER)')
    .option(
      '--enrollment-token <token>',
      'token to enroll with, needed once (default: $RINGMASTER_ENROLLMENT_TOKEN)',
    )
    .requiredOption('--state-dir <dir>', 'where the agent keeps its credential, outbox and files')
    .option('--site <site>', 'the site this computer is at')
    .option('--once', 'run one cycle, then exit')
    .option('--hostname <name>', 'report this hostname instead of the real one')
    .option('--hardware-id <id>', 'report this hardware id instead of the real one')
    .option('--json', 'log one JSON object per line')
    .action(async (options: AgentCommandOptions) => {
      await runAgent(options);
    });
}

async function runAgent(options: AgentCommandOptions): Promise<void> {
  const server = options.server ?? process.env.RINGMASTER_SERVER;
  if (!server) throw new CliError('no server: give --server or set RINGMASTER_SERVER', 2);
  const log = makeLogger(options.json === true);
  const host = new RealHost({
    stateDir: options.stateDir,
    site: options.site ?? null,
    hostname: options.hostname,
    hardwareId: options.hardwareId,
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
    if (options.once) {
      const result = await core.runCycle();
      log(describeResult(result));
      if (result.outcome === 'failed') throw new CliError(result.message);
      return;
    }
    await loop(core, log, stop);
  } finally {
    stop.dispose();
    await client.close();
  }
}

async function loop(core: AgentCore, log: Logger, stop: StopSignal): Promise<void> {
  log({ event: 'started', text: 'agent started' });
  let interval = DEFAULT_INTERVAL_SECONDS;
  let backoff = FIRST_BACKOFF_SECONDS;
  while (!stop.stopped) {
    let delay: number;
    try {
      const result = await core.runCycle();
      log(describeResult(result));
      if (result.outcome === 'ok') {
        interval = result.nextCheckinSeconds;
        backoff = FIRST_BACKOFF_SECONDS;
        delay = interval * (0.8 + Math.random() * 0.4);
      } else if (result.stage === 'enroll' && !result.transient) {
        throw new CliError(result.message);
      } else {
        delay = Math.min(backoff, interval) * (0.8 + Math.random() * 0.4);
        backoff = Math.min(backoff * 2, interval);
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      // Local trouble (a full disk, a damaged file): say so, and try again later.
      log({ event: 'error', text: `cycle failed: ${messageOf(error)}` });
      delay = interval;
    }
    await stop.sleep(delay * 1000);
  }
  log({ event: 'stopped', text: 'agent stopped' });
}

/**
 * SIGTERM/SIGINT: let the current step finish, skip the wait, stop. A second signal
 * does not wait any more.
 */
class StopSignal {
  stopped = false;
  private wake: (() => void) | null = null;
  private readonly handler = (signal: NodeJS.Signals): void => {
    if (this.stopped) process.exit(signal === 'SIGINT' ? 130 : 143);
    this.stopped = true;
    this.wake?.();
  };

  constructor() {
    process.on('SIGTERM', this.handler);
    process.on('SIGINT', this.handler);
  }

  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  dispose(): void {
    process.off('SIGTERM', this.handler);
    process.off('SIGINT', this.handler);
  }
}

type LogLine = { event: string; text: string } & Record<string, unknown>;
type Logger = (line: LogLine) => void;

function makeLogger(json: boolean): Logger {
  return ({ text, ...fields }) => {
    const at = new Date().toISOString();
    process.stdout.write(json ? `${JSON.stringify({ at, ...fields, text })}\n` : `${at} ${text}\n`);
  };
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
  }
}

function describeResult(result: CycleResult): LogLine {
  if (result.outcome === 'ok') {
    return {
      event: 'cycle',
      outcome: result.outcome,
      computerId: result.computerId,
      nextCheckinSeconds: result.nextCheckinSeconds,
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
