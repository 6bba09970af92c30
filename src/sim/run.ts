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
}

export interface SimRun {
  fleet: Fleet;
  /** Resolves when the run has stopped (by --duration or `stop()`). */
  done: Promise<FleetStats>;
  stop(): Promise<FleetStats>;
}

const WEEK = 7 * 86_400;

/** Connects to the server, starts the fleet, and stops it after the duration. */
export async function startSim(options: SimOptions): Promise<SimRun> {
  const dispatcher = new Agent({
    connections: options.connections,
    keepAliveTimeout: 30_000,
    connect: { timeout: 10_000 },
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const clock = await serverClock(options.serverUrl, options.timeScale, dispatcher);
  const client = new HttpServerClient({
    serverUrl: options.serverUrl,
    dispatcher,
    userAgent: `ringmaster-sim/${version}`,
  });
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
    `${s.checkinsPerSecond} check-ins/s | reports: ${reports || 'none'}`
  );
}
