/**
 * Is a computer talking to us, and if it was away, why? A computer that misses
 * its check-ins is offline until it is back; then what the agent tells (a stopped
 * agent service, a network cut) or, failing that, the gap itself says why.
 */

export const absenceKinds = ['offline', 'agent-stopped', 'server-unreachable', 'reimaged'] as const;
export type AbsenceKind = (typeof absenceKinds)[number];

export type Absence = { kind: AbsenceKind; from: number; to: number; detail: string | null };

export type Health =
  | { state: 'online'; since: number }
  | { state: 'offline'; since: number }
  | { state: 'never-seen'; since: null };

/** Missed check-ins tolerated before a computer counts as offline. */
export const missedCheckinsAllowed = 2;
const graceMs = 60_000;

export function offlineAfterMs(checkinIntervalSeconds: number): number {
  return missedCheckinsAllowed * checkinIntervalSeconds * 1000 + graceMs;
}

export function computerHealth(
  lastSeenAt: number | null,
  checkinIntervalSeconds: number,
  now: number,
): Health {
  if (lastSeenAt === null) return { state: 'never-seen', since: null };
  if (now - lastSeenAt > offlineAfterMs(checkinIntervalSeconds))
    return { state: 'offline', since: lastSeenAt };
  return { state: 'online', since: lastSeenAt };
}

/**
 * At a check-in after a long silence with nothing said by the agent, the silence
 * itself is the fact: the computer was offline (off, asleep, disconnected).
 */
export function silentAbsence(
  previousSeenAt: number | null,
  agentToldWhy: boolean,
  checkinIntervalSeconds: number,
  now: number,
): Absence | null {
  if (previousSeenAt === null || agentToldWhy) return null;
  if (now - previousSeenAt <= offlineAfterMs(checkinIntervalSeconds)) return null;
  return { kind: 'offline', from: previousSeenAt, to: now, detail: 'no check-in while away' };
}
