import type { PushReach, PushStats } from './push.js';
import type { CallCounters } from './sim-client.js';

/** The state of each computer as the summary counts it. */
export const enum Seen {
  NotStarted = 0,
  Online = 1,
  Offline = 2,
  Stopped = 3,
  Unreachable = 4,
  Error = 5,
}

export interface FleetStats {
  /** Virtual now. */
  at: string;
  realSeconds: number;
  agents: number;
  online: number;
  offline: number;
  stopped: number;
  unreachable: number;
  errors: number;
  notStarted: number;
  running: number;
  sleeping: number;
  cycles: number;
  cyclesPerSecond: number;
  checkins: number;
  checkinsPerSecond: number;
  enrolls: number;
  reimaged: number;
  unreachableCalls: number;
  /** Absences (agent-stopped / server-unreachable) the check-ins carried. */
  absences: number;
  /** Reports the server acknowledged, by state. */
  reports: Record<string, number>;
  lastError: string | null;
  /** With --push: computers whose push stream is connected now. */
  pushConnected?: number;
  /** With --push: computers woken / started a cycle / reported / installed since the wake. */
  pushWoken?: number;
  pushStarted?: number;
  pushReported?: number;
  pushInstalled?: number;
  /** With --push: when the first wake since the reset came (real time), or null. */
  pushFirstWakeAt?: string | null;
  /** With --push: real seconds from the first wake until 95% of the online computers… */
  push95StartedSeconds?: number | null;
  push95InstalledSeconds?: number | null;
}

/** What the fleet reports to `StatsMeter.take`. */
export interface FleetCounts {
  /** Virtual now. */
  now: number;
  agents: number;
  seen: Uint8Array;
  running: number;
  sleeping: number;
  cycles: number;
  counters: CallCounters;
  reimaged: number;
  lastError: string | null;
  /** The push channel so far (null without `push`). */
  pushed: PushStats | null;
}

/** Turns the fleet's counts into FleetStats, with rates since the previous call. */
export class StatsMeter {
  private readonly realStart = Date.now();
  private rate = { at: Date.now(), cycles: 0, checkins: 0 };

  take(f: FleetCounts): FleetStats {
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < f.seen.length; i++) {
      const s = f.seen[i] as number;
      counts[s] = (counts[s] ?? 0) + 1;
    }
    const realNow = Date.now();
    const dt = Math.max(1, realNow - this.rate.at) / 1000;
    const stats: FleetStats = {
      at: new Date(f.now).toISOString(),
      realSeconds: Math.round((realNow - this.realStart) / 100) / 10,
      agents: f.agents,
      online: counts[Seen.Online] ?? 0,
      offline: counts[Seen.Offline] ?? 0,
      stopped: counts[Seen.Stopped] ?? 0,
      unreachable: counts[Seen.Unreachable] ?? 0,
      errors: counts[Seen.Error] ?? 0,
      notStarted: counts[Seen.NotStarted] ?? 0,
      running: f.running,
      sleeping: f.sleeping,
      cycles: f.cycles,
      cyclesPerSecond: Math.round((f.cycles - this.rate.cycles) / dt),
      checkins: f.counters.checkins,
      checkinsPerSecond: Math.round((f.counters.checkins - this.rate.checkins) / dt),
      enrolls: f.counters.enrolls,
      reimaged: f.reimaged,
      unreachableCalls: f.counters.unreachable,
      absences: f.counters.absences,
      reports: { ...f.counters.reports },
      lastError: f.lastError,
    };
    const p = f.pushed;
    if (p) {
      const reach = pushReach(p);
      stats.pushConnected = p.connected;
      stats.pushWoken = p.woken;
      stats.pushStarted = p.started;
      stats.pushReported = p.reported;
      stats.pushInstalled = p.installed;
      stats.pushFirstWakeAt = p.woken === 0 ? null : new Date(firstOf(p.realWokenAt)).toISOString();
      stats.push95StartedSeconds = reach.started;
      stats.push95InstalledSeconds = reach.installed;
    }
    this.rate = { at: realNow, cycles: f.cycles, checkins: f.counters.checkins };
    return stats;
  }
}

/**
 * Real seconds from `sinceRealMs` (default: the first wake) until `share` (default
 * 0.95) of `of` computers (default: those holding the channel at the first wake) were woken, had
 * started a cycle, had reported and had reported installed; null: not yet.
 */
export function pushReach(
  p: PushStats | null,
  options: { sinceRealMs?: number; share?: number; of?: number } = {},
): PushReach {
  const of = options.of ?? p?.holdingAtFirstWake ?? 0;
  const none = { of, woken: null, started: null, reported: null, installed: null };
  if (!p || p.woken === 0) return none;
  const since = options.sinceRealMs ?? firstOf(p.realWokenAt);
  const need = Math.max(1, Math.ceil((options.share ?? 0.95) * of));
  const reach = (times: Float64Array): number | null => {
    const got = times.filter((t) => t !== 0).sort();
    const t = got[need - 1];
    return t === undefined ? null : Math.round(t - since) / 1000;
  };
  return {
    of,
    woken: reach(p.realWokenAt),
    started: reach(p.realStartedAt),
    reported: reach(p.realReportedAt),
    installed: reach(p.realInstalledAt),
  };
}

/** The earliest non-zero time. */
export function firstOf(times: Float64Array): number {
  let first = Number.POSITIVE_INFINITY;
  for (const t of times) if (t !== 0 && t < first) first = t;
  return first;
}
