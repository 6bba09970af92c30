import type { LoadClass } from '../../contracts/route.js';

/**
 * Load shedding, the pure part: whether one more request of a class (declared on each
 * route) runs now, waits in its short queue or is shed at once. Check-ins have the
 * smallest limits, so they are shed first; reports next; admin calls last.
 */

export type RouteClass = LoadClass;

/**
 * How many of a class may run at once, how many more may wait for a slot, and the
 * event-loop lag beyond which the class is shed outright (null: never for lag). The lag
 * is what the counts cannot see: when the process is out of CPU, requests wait in the
 * sockets before the server knows of them, and every slot still looks free.
 */
export type ClassLimits = {
  inFlight: number;
  queued: number;
  maxLagMs: number | null;
  /**
   * The rate rule (off when absent): at most this many of the class are admitted per
   * second, in bursts of at most `burst` (default a tenth of a second's worth); the rest
   * are shed at once. Unlike the counts and the lag, it needs nothing the server can only
   * see late: it is decided from the clock alone, before any work is done for the request.
   */
  rate?: RateLimit | undefined;
};

/**
 * A class's rate. With `targetLagMs` the rate is the ceiling of an adaptive one: every
 * `ADAPT_PERIOD_MS` it is cut by a fifth while the event loop lags past the target and
 * raised while it does not (see `adaptRate`), so it follows what the machine can serve
 * now, not what it could when the rate was configured.
 */
export type RateLimit = { perSecond: number; burst?: number; targetLagMs?: number };

export const ADAPT_PERIOD_MS = 100;

/**
 * Where an adaptive rate stands. It starts at `START_SHARE` of its ceiling, in slow start:
 * a process just started runs its code cold (not yet compiled, caches empty), so the
 * ceiling's worth of requests at once would queue for hundreds of milliseconds before the
 * lag could lower it. In slow start the rate grows by half each period without lag; the
 * first lag, or the ceiling, ends it.
 */
export type AdaptiveRate = { perSecond: number; slowStart: boolean };

export const START_SHARE = 0.1;

export function startRate(ceiling: number): AdaptiveRate {
  return { perSecond: Math.max(1, ceiling * START_SHARE), slowStart: true };
}

/**
 * The next adaptive rate, from the current one, its ceiling and the lag seen now: a fifth
 * less past the target (to 1 % of the ceiling at least); otherwise half as much again in
 * slow start, a fiftieth of the ceiling more after it, to the ceiling at most.
 */
export function adaptRate(
  current: AdaptiveRate,
  ceiling: number,
  lagMs: number,
  targetLagMs: number,
): AdaptiveRate {
  if (lagMs > targetLagMs) {
    return { perSecond: Math.max(ceiling / 100, current.perSecond * 0.8), slowStart: false };
  }
  const next = current.slowStart ? current.perSecond * 1.5 : current.perSecond + ceiling / 50;
  return next >= ceiling
    ? { perSecond: ceiling, slowStart: false }
    : { perSecond: next, slowStart: current.slowStart };
}

export type SheddingLimits = Record<RouteClass, ClassLimits> & {
  /** The longest a request waits in its queue before it is shed (ms). */
  queueWaitMs: number;
  /** What a shed answer advises, in its Retry-After header (seconds). */
  retryAfterSeconds: number;
};

/**
 * Sensible for a server on 2 cores: a check-in costs a few queries, a report one. The
 * lag rule is off by default: a single pause (a checkpoint, a collection) past the
 * limit sheds check-ins a moment later the server could serve (see `withLagLimit`).
 */
export const DEFAULT_SHEDDING: SheddingLimits = {
  checkin: { inFlight: 16, queued: 32, maxLagMs: null },
  report: { inFlight: 32, queued: 64, maxLagMs: null },
  admin: { inFlight: 64, queued: 128, maxLagMs: null },
  queueWaitMs: 500,
  retryAfterSeconds: 10,
};

/** Turns the lag rule on: check-ins shed past `maxLagMs`, reports at 2.5×, admin at 10×. */
export function withLagLimit(limits: SheddingLimits, maxLagMs: number): SheddingLimits {
  return {
    ...limits,
    checkin: { ...limits.checkin, maxLagMs },
    report: { ...limits.report, maxLagMs: maxLagMs * 2.5 },
    admin: { ...limits.admin, maxLagMs: maxLagMs * 10 },
  };
}

/** Turns the rate rule on for the classes given (requests per second). */
export function withRateLimits(
  limits: SheddingLimits,
  perSecond: Partial<Record<RouteClass, number>>,
  targetLagMs?: number,
): SheddingLimits {
  const next = { ...limits };
  for (const routeClass of ['checkin', 'report', 'admin'] as const) {
    const rate = perSecond[routeClass];
    if (rate !== undefined)
      next[routeClass] = {
        ...limits[routeClass],
        rate: targetLagMs === undefined ? { perSecond: rate } : { perSecond: rate, targetLagMs },
      };
  }
  return next;
}

/** A token bucket: `tokens` left at time `at` (ms, any monotonic clock). */
export type Bucket = { tokens: number; at: number };

/** The bucket of a rate, full at time `now`. */
export function fullBucket(rate: RateLimit, now: number): Bucket {
  return { tokens: burstOf(rate), at: now };
}

function burstOf(rate: RateLimit): number {
  return rate.burst ?? Math.max(1, rate.perSecond / 10);
}

/**
 * One request against a token bucket at time `now`: the bucket refills at `perSecond`
 * up to its burst since it was last seen; a whole token admits the request and is spent.
 * Pure: the caller keeps the bucket it is given back.
 */
export function takeToken(
  bucket: Bucket,
  rate: RateLimit,
  now: number,
): { admitted: boolean; bucket: Bucket } {
  const at = Math.max(now, bucket.at);
  const tokens = Math.min(
    burstOf(rate),
    bucket.tokens + ((at - bucket.at) * rate.perSecond) / 1000,
  );
  if (tokens >= 1) return { admitted: true, bucket: { tokens: tokens - 1, at } };
  return { admitted: false, bucket: { tokens, at } };
}

export type Admission = 'run' | 'queue' | 'shed';

/**
 * One more request of a class, with `inFlight` running, `queued` waiting and the event
 * loop lagging `lagMs` behind.
 */
export function admit(
  counts: { inFlight: number; queued: number; lagMs: number },
  limits: ClassLimits,
): Admission {
  if (limits.maxLagMs !== null && counts.lagMs > limits.maxLagMs) return 'shed';
  if (counts.inFlight < limits.inFlight && counts.queued === 0) return 'run';
  if (counts.queued < limits.queued) return 'queue';
  return 'shed';
}
