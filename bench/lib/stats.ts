/** Pure helpers of the benchmark: percentiles, step summaries and the choice of the capacity. */

/**
 * The p-th percentile (0 < p ≤ 100) of ascending-sorted samples, nearest-rank method:
 * the smallest sample such that at least p% of the samples are ≤ it. NaN when empty.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], not ${p}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1]!;
}

export type LatencySummary = {
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  meanMs: number | null;
};

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Summarises latencies in milliseconds (any order); sorts a copy. */
export function summarize(latenciesMs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  const n = sorted.length;
  if (n === 0)
    return { count: 0, p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null, meanMs: null };
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    count: n,
    p50Ms: round2(percentile(sorted, 50)),
    p90Ms: round2(percentile(sorted, 90)),
    p99Ms: round2(percentile(sorted, 99)),
    maxMs: round2(sorted[n - 1]!),
    meanMs: round2(sum / n),
  };
}

/** What the load generators measured for one offered rate. */
export type StepResult = {
  offeredRate: number;
  /** Successful (2xx) responses per second over the step, drain included. */
  achievedRate: number;
  ok: number;
  /** Non-2xx answers, transport errors, requests dropped or still unanswered at the end. */
  errors: number;
  latency: LatencySummary;
};

export type CapacityCriteria = {
  /** The p99 must be strictly below this. */
  p99LimitMs: number;
  /** Achieved rate ≥ this fraction of the offered rate. */
  minAchievedFraction: number;
  /** Errors ≤ this fraction of the requests scheduled. */
  maxErrorFraction: number;
};

export const defaultCriteria: CapacityCriteria = {
  p99LimitMs: 100,
  minAchievedFraction: 0.95,
  maxErrorFraction: 0.01,
};

/** Why a step failed the criteria, or null when it met them. */
export function stepVerdict(step: StepResult, criteria = defaultCriteria): string | null {
  const p99 = step.latency.p99Ms;
  if (step.latency.count === 0 || p99 === null) return 'no successful response';
  if (!(p99 < criteria.p99LimitMs)) return `p99 ${p99} ms ≥ ${criteria.p99LimitMs} ms`;
  if (step.achievedRate < criteria.minAchievedFraction * step.offeredRate)
    return `achieved ${Math.round(step.achievedRate)}/s < ${criteria.minAchievedFraction * 100}% of ${step.offeredRate}/s`;
  const scheduled = step.ok + step.errors;
  if (scheduled > 0 && step.errors / scheduled > criteria.maxErrorFraction)
    return `${step.errors} errors of ${scheduled} requests`;
  return null;
}

/**
 * The sustained capacity: the highest offered rate that met the criteria, provided every
 * lower step met them too (a pass above a failure is noise, not capacity). Null if none did.
 */
export function selectCapacity(
  steps: readonly StepResult[],
  criteria = defaultCriteria,
): StepResult | null {
  const ordered = [...steps].sort((a, b) => a.offeredRate - b.offeredRate);
  let best: StepResult | null = null;
  for (const step of ordered) {
    if (stepVerdict(step, criteria) !== null) break;
    best = step;
  }
  return best;
}

/**
 * The next rate to offer after the given steps: the next entry of the ladder while all
 * steps passed; after the first failure, one bisection between the last pass and the
 * failure when they are more than `resolution` apart (relative); else null (done).
 */
export function nextRate(
  ladder: readonly number[],
  steps: readonly StepResult[],
  criteria = defaultCriteria,
  resolution = 0.2,
  maxBisections = 1,
): number | null {
  const passed = steps.filter((s) => stepVerdict(s, criteria) === null).map((s) => s.offeredRate);
  const failed = steps.filter((s) => stepVerdict(s, criteria) !== null).map((s) => s.offeredRate);
  if (failed.length === 0) {
    const highest = Math.max(0, ...passed);
    return ladder.find((rate) => rate > highest) ?? null;
  }
  const lowestFail = Math.min(...failed);
  const belowFail = passed.filter((r) => r < lowestFail);
  const bestPass = belowFail.length > 0 ? Math.max(...belowFail) : 0;
  const offLadder = steps.filter((s) => !ladder.includes(s.offeredRate)).length;
  if (bestPass === 0 || offLadder >= maxBisections) return null;
  if ((lowestFail - bestPass) / bestPass <= resolution) return null;
  const mid = Math.round((bestPass + lowestFail) / 2 / 50) * 50;
  return mid > bestPass && mid < lowestFail ? mid : null;
}
