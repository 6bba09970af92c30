/**
 * Pure: a step run several times on a shared machine, as one step — the median of each
 * figure (one slow repeat, e.g. a collection or another process's burst, does not decide
 * the verdict) — and how far the repeats were apart.
 */
import type { StepReport } from './load-fleet.js';

/** The median of the values (the mean of the middle two for an even count); NaN if none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

export type Spread = {
  min: number;
  max: number;
  /** (max − min) ÷ median, in % (0 for one repeat). */
  percent: number;
};

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { min, max, percent: m === 0 ? 0 : Math.round(((max - min) / m) * 1000) / 10 };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * A latency figure's median over the repeats; a repeat with no answer counts as +∞, so
 * the result is null when most repeats had none.
 */
function medianOrNull(values: (number | null)[]): number | null {
  const m = median(values.map((v) => v ?? Number.POSITIVE_INFINITY));
  return Number.isFinite(m) ? round2(m) : null;
}

/**
 * The repeats of one step (same offered rate) as one: the median of every count, rate and
 * latency figure; the generator's CPU is the largest of the repeats (the question it
 * answers is whether the generator ever came near saturation); the first error seen.
 */
export function combineSteps(runs: readonly StepReport[]): StepReport {
  if (runs.length === 0) throw new Error('no repeats to combine');
  if (runs.length === 1) return runs[0]!;
  const m = (f: (r: StepReport) => number): number => median(runs.map(f));
  const statuses: Record<string, number> = {};
  for (const r of runs)
    for (const [code, n] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  for (const code of Object.keys(statuses))
    statuses[code] = Math.round(statuses[code]! / runs.length);
  return {
    offeredRate: runs[0]!.offeredRate,
    achievedRate: m((r) => r.achievedRate),
    ok: Math.round(m((r) => r.ok)),
    errors: Math.round(m((r) => r.errors)),
    latency: {
      count: Math.round(m((r) => r.latency.count)),
      p50Ms: medianOrNull(runs.map((r) => r.latency.p50Ms)),
      p90Ms: medianOrNull(runs.map((r) => r.latency.p90Ms)),
      p99Ms: medianOrNull(runs.map((r) => r.latency.p99Ms)),
      maxMs: medianOrNull(runs.map((r) => r.latency.maxMs)),
      meanMs: medianOrNull(runs.map((r) => r.latency.meanMs)),
    },
    scheduled: Math.round(m((r) => r.scheduled)),
    dropped: Math.round(m((r) => r.dropped)),
    unfinished: Math.round(m((r) => r.unfinished)),
    statuses,
    failures: Math.round(m((r) => r.failures)),
    firstError: runs.find((r) => r.firstError !== null)?.firstError ?? null,
    loadCpuCores: Math.max(...runs.map((r) => r.loadCpuCores)),
    durationMs: m((r) => r.durationMs),
  };
}
