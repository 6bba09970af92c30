/**
 * Pure reading of wrk's output (`wrk --latency`, version 4) and of the line
 * bench/wrk/checkin.lua adds, and its translation into the benchmark's step figures.
 */
import type { StepReport } from './load-fleet.js';

export type WrkLatency = {
  meanMs: number;
  maxMs: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
};

export type WrkReport = {
  /** Responses received (any status). */
  requests: number;
  durationMs: number;
  requestsPerSecond: number;
  /** Null when nothing was answered. Timed by wrk from the send, not from a schedule. */
  latency: WrkLatency | null;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** Responses with a status above 399 (wrk prints them as "Non-2xx or 3xx responses"). */
  non2xx: number;
  /** The script's own line: present with bench/wrk/checkin.lua. */
  script: {
    latencyP995Ms: number;
    /** Open loop: sends by whole ms of lateness after their slot (empty in a closed loop). */
    lateMs: Record<string, number>;
  } | null;
};

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A wrk time such as `523.00us`, `1.98ms`, `2.01s` in ms. */
export function wrkTimeMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`not a wrk time: ${text}`);
  // To the µs, wrk's resolution (and no 2009.9999… for 2.01s).
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]! * 1000) / 1000;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export function parseWrkOutput(text: string): WrkReport {
  const need = (pattern: RegExp, what: string): RegExpExecArray => {
    const match = pattern.exec(text);
    if (!match) throw new Error(`wrk output without ${what}:\n${text.slice(0, 2000)}`);
    return match;
  };
  const total = need(/^\s*(\d+) requests in (\S+), \S+ read\s*$/m, 'its request count');
  const requests = Number(total[1]);
  const perSecond = need(/^Requests\/sec:\s+(\d+(?:\.\d+)?)\s*$/m, 'Requests/sec');
  let latency: WrkLatency | null = null;
  if (requests > 0) {
    const line = need(/^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/m, 'the Latency line');
    const at = (p: string): number =>
      round2(
        wrkTimeMs(need(new RegExp(`^\\s*${p}%\\s+(\\S+)\\s*$`, 'm'), `p${p} (--latency)`)[1]!),
      );
    latency = {
      meanMs: round2(wrkTimeMs(line[1]!)),
      maxMs: round2(wrkTimeMs(line[3]!)),
      p50Ms: at('50'),
      p75Ms: at('75'),
      p90Ms: at('90'),
      p99Ms: at('99'),
    };
  }
  const errors =
    /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$/m.exec(text);
  const non2xx = /^\s*Non-2xx or 3xx responses: (\d+)\s*$/m.exec(text);
  const line = /^ringmaster-wrk (\{.*\})\s*$/m.exec(text);
  let script: WrkReport['script'] = null;
  if (line) {
    const raw = JSON.parse(line[1]!) as { latencyP995Us: number; lateMs: Record<string, number> };
    script = { latencyP995Ms: round2(raw.latencyP995Us / 1000), lateMs: raw.lateMs };
  }
  return {
    requests,
    durationMs: round2(wrkTimeMs(total[2]!)),
    requestsPerSecond: Number(perSecond[1]),
    latency,
    socketErrors: {
      connect: Number(errors?.[1] ?? 0),
      read: Number(errors?.[2] ?? 0),
      write: Number(errors?.[3] ?? 0),
      timeout: Number(errors?.[4] ?? 0),
    },
    non2xx: Number(non2xx?.[1] ?? 0),
    script,
  };
}

/**
 * The p-th percentile (nearest rank) of a histogram of whole ms → count; 0 when empty.
 * Counts the bucket's lower edge: a lateness of 3.7 ms is in bucket 3.
 */
export function histogramPercentile(histogram: Record<string, number>, p: number): number {
  const buckets = Object.entries(histogram)
    .map(([ms, n]) => [Number(ms), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [ms, n] of buckets) {
    seen += n;
    if (seen >= rank) return ms;
  }
  return buckets[buckets.length - 1]![0];
}

/** How late the open loop's sends left (ms after their slots). */
export type Lateness = {
  sends: number;
  p50Ms: number;
  p99Ms: number;
  p995Ms: number;
  maxMs: number;
};

export function lateness(report: WrkReport): Lateness | null {
  const histogram = report.script?.lateMs;
  if (!histogram || Object.keys(histogram).length === 0) return null;
  const sends = Object.values(histogram).reduce((a, b) => a + b, 0);
  return {
    sends,
    p50Ms: histogramPercentile(histogram, 50),
    p99Ms: histogramPercentile(histogram, 99),
    p995Ms: histogramPercentile(histogram, 99.5),
    // A bucket holds [ms, ms + 1): the largest lateness is below its upper edge.
    maxMs: Math.max(...Object.keys(histogram).map(Number)) + 1,
  };
}

/**
 * wrk's run as the benchmark's step. Errors: statuses above 399 and socket errors
 * (wrk's timeouts included). Open loop (`offeredRate` > 0, with the script's lateness):
 * the p99 is an upper bound on the p99 from the slot, p99.5 of the latency from the send
 * plus p99.5 of the lateness (at most 0.5% of requests exceed each, so at most 1% their
 * sum); the max adds the largest lateness. p50 and p90 are from the send.
 */
export function wrkStep(
  report: WrkReport,
  offeredRate: number,
  generatorCpuCores: number,
): StepReport & { lateness: Lateness | null } {
  const late = offeredRate > 0 ? lateness(report) : null;
  const e = report.socketErrors;
  const failures = e.connect + e.read + e.write + e.timeout;
  const ok = Math.max(0, report.requests - report.non2xx);
  const l = report.latency;
  const p99Ms =
    l === null
      ? null
      : late && report.script
        ? round2(report.script.latencyP995Ms + late.p995Ms)
        : l.p99Ms;
  return {
    offeredRate,
    achievedRate: report.durationMs > 0 ? ok / (report.durationMs / 1000) : 0,
    ok,
    errors: report.non2xx + failures,
    latency: {
      count: ok,
      p50Ms: l?.p50Ms ?? null,
      p90Ms: l?.p90Ms ?? null,
      p99Ms,
      maxMs: l === null ? null : round2(l.maxMs + (late?.maxMs ?? 0)),
      meanMs: l?.meanMs ?? null,
    },
    scheduled: late?.sends ?? report.requests,
    dropped: 0,
    unfinished: 0,
    statuses: report.non2xx > 0 ? { '>399': report.non2xx } : {},
    failures,
    firstError:
      failures > 0
        ? `socket errors: connect ${e.connect}, read ${e.read}, write ${e.write}, timeout ${e.timeout}`
        : report.non2xx > 0
          ? `${report.non2xx} responses with a status above 399`
          : null,
    loadCpuCores: generatorCpuCores,
    durationMs: report.durationMs,
    lateness: late,
  };
}
