import { writeFile } from 'node:fs/promises';
import { Agent } from 'undici';
import { HttpServerClient } from '../agent/http-client.js';
import { version } from '../version.js';
import { serverClock } from './clock.js';
import type { FaultSpec } from './faults.js';
import { Fleet, type FleetStats } from './fleet.js';

export interface SimOptions {
  serverUrl: string;
  enrollmentToken: string;
  agents: number;
  seed: number;
  sites: string[];
  faults: FaultSpec[];
  installSeconds: number;
  /** Mean virtual seconds a person takes to approve what the policy asks about. */
  approvalSeconds?: number | undefined;
  timeScale: number;
  /** Virtual seconds; stops by itself after this long. */
  durationSeconds?: number | undefined;
  horizonSeconds?: number | undefined;
  rampSeconds: number;
  concurrency: number;
  connections: number;
  truthFile?: string | undefined;
  hostnamePrefix?: string | undefined;
  /** Real seconds between summaries; 0: none. */
  summaryEverySeconds: number;
  onSummary?: (stats: FleetStats) => void;
  /**
   * Hold the push channel (`--push`): each online computer keeps its wake stream open
   * after its first successful cycle, and checks in at once on `event: checkin`.
   */
  push?: boolean | undefined;
  /**
   * With `push`: only this many computers hold it (default: all). Each stream is an open
   * socket and a process may have 20,000 open files, so more than 18,000 pushed
   * computers must be asked for with this (after raising `ulimit -n`); or run several
   * sim processes with different --hostname-prefix.
   */
  pushLimit?: number | undefined;
}

export interface SimRun {
  fleet: Fleet;
  /** Resolves when the run has stopped (by --duration or `stop()`). */
  done: Promise<FleetStats>;
  stop(): Promise<FleetStats>;
}

const WEEK = 7 * 86_400;
/** Push streams one process holds unless told otherwise (20,000 open files, less headroom). */
export const MAX_PUSH_STREAMS = 18_000;

/** Connects to the server, starts the fleet, and stops it after the duration. */
export async function startSim(options: SimOptions): Promise<SimRun> {
  const dispatcher = new Agent({
    connections: options.connections,
    keepAliveTimeout: 30_000,
    connect: { timeout: 10_000 },
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const pushed = options.push ? Math.min(options.agents, options.pushLimit ?? options.agents) : 0;
  if (options.push && options.pushLimit === undefined && pushed > MAX_PUSH_STREAMS) {
    await dispatcher.close();
    throw new Error(
      `${pushed} push streams would pass this process's open-file limit: run several sim ` +
        `processes of at most ${MAX_PUSH_STREAMS} agents each (different --hostname-prefix), ` +
        'or give --push-limit (after raising ulimit -n)',
    );
  }
  const clock = await serverClock(options.serverUrl, options.timeScale, dispatcher);
  const userAgent = `ringmaster-sim/${version}`;
  const client = new HttpServerClient({ serverUrl: options.serverUrl, dispatcher, userAgent });
  // The streams get their own pool, a connection each, apart from the check-ins'.
  const pushDispatcher =
    pushed > 0
      ? new Agent({
          connections: pushed,
          keepAliveTimeout: 4_000,
          connect: { timeout: 30_000 },
          headersTimeout: 60_000,
        })
      : null;
  const push = pushDispatcher
    ? {
        client: new HttpServerClient({
          serverUrl: options.serverUrl,
          dispatcher: pushDispatcher,
          userAgent,
        }),
        limit: pushed,
      }
    : undefined;
  const fleet = new Fleet({
    client,
    enrollmentToken: options.enrollmentToken,
    agents: options.agents,
    seed: options.seed,
    sites: options.sites,
    faults: options.faults,
    installSeconds: options.installSeconds,
    approvalSeconds: options.approvalSeconds,
    horizonSeconds: options.horizonSeconds ?? options.durationSeconds ?? WEEK,
    rampSeconds: options.rampSeconds,
    concurrency: options.concurrency,
    clock,
    timeScale: options.timeScale,
    hostnamePrefix: options.hostnamePrefix,
    agentVersion: `${version}-sim`,
    push,
  });
  if (options.truthFile) await writeFile(options.truthFile, fleet.truth());

  let finish: (stats: FleetStats) => void = () => {};
  const done = new Promise<FleetStats>((resolve) => (finish = resolve));
  let stopping: Promise<FleetStats> | null = null;
  const timers: NodeJS.Timeout[] = [];
  const stop = (): Promise<FleetStats> => {
    stopping ??= (async () => {
      for (const t of timers) clearInterval(t);
      await fleet.stop();
      const stats = fleet.stats();
      // The streams are aborted; destroy what is left of them rather than wait.
      await pushDispatcher?.destroy();
      await dispatcher.close();
      finish(stats);
      return stats;
    })();
    return stopping;
  };

  fleet.start();
  if (options.summaryEverySeconds > 0 && options.onSummary) {
    const onSummary = options.onSummary;
    const t = setInterval(() => onSummary(fleet.stats()), options.summaryEverySeconds * 1000);
    timers.push(t);
  }
  if (options.durationSeconds !== undefined) {
    const end = fleet.startMs + options.durationSeconds * 1000;
    const t = setInterval(() => {
      if (clock.now() >= end) void stop();
    }, 50);
    timers.push(t);
  }
  return { fleet, done, stop };
}

/** One line for people: what the fleet is doing now. */
export function describeStats(s: FleetStats): string {
  const reports = Object.entries(s.reports)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([state, n]) => `${state} ${n}`)
    .join(', ');
  return (
    `${s.at} | ${s.agents} agents: ${s.online} online, ${s.offline} offline, ` +
    `${s.stopped} stopped, ${s.unreachable} unreachable, ${s.errors} errors, ` +
    `${s.notStarted} not started | ${s.cyclesPerSecond} cycles/s, ` +
    `${s.checkinsPerSecond} check-ins/s | reports: ${reports || 'none'}` +
    (s.pushConnected === undefined
      ? ''
      : ` | push: ${s.pushConnected} connected, ${s.pushWoken ?? 0} woken, ` +
        `${s.pushStarted ?? 0} started, ${s.pushInstalled ?? 0} installed`)
  );
}
