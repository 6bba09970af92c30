import { formatDuration } from '../rollout/duration.js';
import type { StatusState } from '../status.js';

/**
 * Stale: a computer whose last successful run of an assignment is older than the
 * assignment's recurrence interval needs investigation. A successful run is an
 * install that took (installed, or not applicable); an assignment that never
 * succeeded counts from when it was assigned (its phase opened). Statuses that are
 * compliant, or cancelled (nothing is assigned), are never stale.
 */

export type StaleInput = {
  state: StatusState;
  /** The last time the install succeeded on it (null: never). */
  installedAt: number | null;
  /** When the assignment began: its phase opened (null: not assigned yet). */
  assignedAt: number | null;
  recurrenceSeconds: number;
};

export type Staleness = {
  /** The last success, or the assignment's start when it never succeeded. */
  since: number;
  lastSucceededAt: number | null;
  ageSeconds: number;
  recurrenceSeconds: number;
  message: string;
};

const compliant: ReadonlySet<StatusState> = new Set(['installed', 'not-applicable', 'cancelled']);

export function staleness(input: StaleInput, now: number): Staleness | null {
  if (compliant.has(input.state)) return null;
  const since = input.installedAt ?? input.assignedAt;
  if (since === null) return null;
  const ageSeconds = Math.floor((now - since) / 1000);
  if (ageSeconds <= input.recurrenceSeconds) return null;
  const age = formatDuration(ageSeconds);
  const every = formatDuration(input.recurrenceSeconds);
  const message =
    input.installedAt === null
      ? `needs investigation: never succeeded since it was assigned ${age} ago (recurrence ${every})`
      : `needs investigation: last succeeded ${age} ago (recurrence ${every})`;
  return {
    since,
    lastSucceededAt: input.installedAt,
    ageSeconds,
    recurrenceSeconds: input.recurrenceSeconds,
    message,
  };
}
