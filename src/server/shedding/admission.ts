/**
 * Load shedding, the pure part: which class a route is in, and whether one more request
 * of a class runs now, waits in its short queue or is shed at once. Check-ins have the
 * smallest limits, so they are shed first; reports next; admin calls last.
 */

export type RouteClass = 'checkin' | 'report' | 'admin';

/**
 * How many of a class may run at once, how many more may wait for a slot, and the
 * event-loop lag beyond which the class is shed outright (null: never for lag). The lag
 * is what the counts cannot see: when the process is out of CPU, requests wait in the
 * sockets before the server knows of them, and every slot still looks free.
 */
export type ClassLimits = { inFlight: number; queued: number; maxLagMs: number | null };

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

/**
 * The class of a declared route, by its name; null for what is never shed: health and
 * the API description must answer under load, a push stream is held open by design and
 * content downloads are long transfers the agent resumes.
 */
export function classOf(route: string | undefined): RouteClass | null {
  switch (route) {
    case undefined:
    case 'health':
    case 'openApi':
    case 'wake':
    case 'watchDeployment':
    case 'content':
      return null;
    case 'checkin':
      return 'checkin';
    case 'reports':
      return 'report';
    default:
      return 'admin';
  }
}
