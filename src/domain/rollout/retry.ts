import type { DeploymentPlan } from './plan.js';
import type { FailureReason, StatusState } from '../status.js';
import { formatDuration } from './duration.js';

/**
 * When a failed computer is assigned the update again (SMS's recurring assignment):
 * a retry exit code ("another install is running") soon, with exponential backoff;
 * any other failure at the recurrence interval; never after `maxAttempts`.
 */

export type FailedAttempt = {
  state: StatusState;
  reason: FailureReason | null;
  /** When the computer reported this state. */
  updatedAt: number;
  /** Install attempts made so far, this one included. */
  attempts: number;
  /** The computer's groups, for per-group recurrence. */
  groups: readonly string[];
};

export type RetryDecision =
  { retry: true; at: number; reason: string } | { retry: false; reason: string };

/** The recurrence for a computer: the shortest of its groups' overrides, else the plan's. */
export function recurrenceSecondsFor(plan: DeploymentPlan, groups: readonly string[]): number {
  let best: number | null = null;
  for (const g of groups) {
    const r = plan.recurrenceByGroup[g];
    if (r !== undefined && (best === null || r < best)) best = r;
  }
  return best ?? plan.recurrenceSeconds;
}

/** Backoff before retry n (1-based): base × 2^(n-1), capped at the recurrence. */
export function backoffSeconds(plan: DeploymentPlan, attempts: number, recurrence: number): number {
  const n = Math.max(1, attempts);
  return Math.min(plan.retryBackoffSeconds * 2 ** Math.min(n - 1, 40), recurrence);
}

export function nextRetry(plan: DeploymentPlan, f: FailedAttempt): RetryDecision {
  if (f.state !== 'failed') return { retry: false, reason: `not failed (${f.state})` };
  if (f.attempts >= plan.maxAttempts) {
    return {
      retry: false,
      reason: `gave up after ${f.attempts} of ${plan.maxAttempts} attempts (last: ${f.reason ?? 'unknown'})`,
    };
  }
  const recurrence = recurrenceSecondsFor(plan, f.groups);
  if (f.reason === 'install-retry') {
    const wait = backoffSeconds(plan, f.attempts, recurrence);
    return {
      retry: true,
      at: f.updatedAt + wait * 1000,
      reason: `retry exit code: attempt ${f.attempts + 1} of ${plan.maxAttempts} in ${formatDuration(wait)}`,
    };
  }
  return {
    retry: true,
    at: f.updatedAt + recurrence * 1000,
    reason: `${f.reason ?? 'failed'}: attempt ${f.attempts + 1} of ${plan.maxAttempts} at the ${formatDuration(recurrence)} recurrence`,
  };
}

/** Is a failed computer due to be assigned the update again at `now`? */
export function retryDue(plan: DeploymentPlan, f: FailedAttempt, now: number): boolean {
  const d = nextRetry(plan, f);
  return d.retry && d.at <= now;
}
