import type { FailureReason, StatusState } from './status.js';

/** One active deployment that reaches a computer. */
export type ReachingDeployment = {
  deploymentId: string;
  updateId: string;
  createdAt: number;
};

/** What the server knows of one computer × update. */
export type KnownStatus = {
  state: StatusState;
  reason: FailureReason | null;
  updatedAt: number;
};

export type RetryPolicy = {
  /** A failed install is offered again after this long (SMS's recurrence; default 7 days). */
  recurrenceMs: number;
  /** A retry exit code (another install running) is offered again after this long. */
  retrySoonMs: number;
};

export const defaultRetryPolicy: RetryPolicy = {
  recurrenceMs: 7 * 24 * 3600_000,
  retrySoonMs: 10 * 60_000,
};

export type PlannedAssignment = { deploymentId: string; updateId: string; action: 'install' };

/** When a failed computer may be offered the update again, or null if it may now. */
export function nextOfferAt(status: KnownStatus, policy: RetryPolicy): number | null {
  if (status.state !== 'failed') return null;
  const wait = status.reason === 'install-retry' ? policy.retrySoonMs : policy.recurrenceMs;
  return status.updatedAt + wait;
}

/**
 * What a computer must do now: each update once (the earliest deployment drives
 * it), skipping those already done and failures not yet due for a retry.
 */
export function planAssignments(
  reaching: readonly ReachingDeployment[],
  statuses: ReadonlyMap<string, KnownStatus>,
  now: number,
  policy: RetryPolicy = defaultRetryPolicy,
): PlannedAssignment[] {
  const byUpdate = new Map<string, ReachingDeployment>();
  for (const d of reaching) {
    const current = byUpdate.get(d.updateId);
    if (!current || d.createdAt < current.createdAt) byUpdate.set(d.updateId, d);
  }
  const planned: PlannedAssignment[] = [];
  for (const d of byUpdate.values()) {
    const status = statuses.get(d.updateId);
    if (status) {
      if (status.state === 'installed' || status.state === 'not-applicable') continue;
      const due = nextOfferAt(status, policy);
      if (due !== null && due > now) continue;
    }
    planned.push({ deploymentId: d.deploymentId, updateId: d.updateId, action: 'install' });
  }
  return planned.sort((a, b) => a.updateId.localeCompare(b.updateId));
}
