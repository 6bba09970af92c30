import type { Absence, Assignment, StatusReport } from '../../contracts/agent-protocol.js';
import type { Rejection } from '../../contracts/metadata.js';
import type { AssignmentEnd } from './assignment.js';
import type { RequestOutcome } from './local-user.js';
import { ServerCallError } from './server-client.js';

/** What one cycle of the agent core tells its caller: events as they happen, then a result. */

export type RestartOutcome =
  /** No reboot command: the agent waits for someone to restart the computer. */
  | 'manual'
  | 'postponed'
  | 'blocked-by-logged-on-user'
  /** The reboot command already ran in this boot; the agent does not repeat it. */
  | 'already-requested'
  | 'restarting'
  | 'failed';

export type CycleEvent =
  | { type: 'enrolled'; computerId: string }
  | { type: 'checked-in'; computerId: string; assignments: number }
  | { type: 'report'; report: StatusReport }
  | { type: 'awaiting-reboot'; updateId: string }
  | { type: 'flushed'; sent: number }
  | { type: 'flush-failed'; message: string }
  /** The server refused this report (a 4xx): set aside in the outbox, not resent. */
  | { type: 'quarantined'; report: StatusReport; status: number; message: string }
  | { type: 'credential-rejected'; message: string }
  /** The answer's signed metadata did not verify: nothing of it was acted on. */
  | { type: 'rejected'; rejection: Rejection }
  | { type: 'absences-sent'; absences: Absence[] }
  | { type: 'user-request'; outcome: RequestOutcome }
  /** An update waiting for the user left the check-in (halted or revoked): dropped. */
  | { type: 'dropped'; updateId: string }
  /** The scan ran: how many rules it evaluated, how many findings went to the server. */
  | { type: 'scanned'; findings: number; sent: number; rulesFetched: boolean; full: boolean }
  | { type: 'scan-failed'; message: string }
  | { type: 'restart'; outcome: RestartOutcome; updates: string[]; message: string }
  /** A new agent version's trial ended: it checked in, or the previous version came back. */
  | { type: 'agent-trial'; outcome: 'confirmed' | 'restored'; message: string }
  /** The agent switched versions: it must exit so that the launcher starts the new one. */
  | { type: 'agent-restart'; message: string };

export type CycleResult =
  | {
      outcome: 'ok';
      computerId: string;
      nextCheckinSeconds: number;
      assignments: { updateId: string; action: Assignment['action']; end: AssignmentEnd }[];
      /**
       * The earliest future time something may change without the server (a scheduled
       * install, a deadline, the end of a postponed restart): worth a cycle then, even
       * before the next check-in the server asked for. Null when nothing is due.
       */
      nextDueAt: string | null;
    }
  | {
      outcome: 'failed';
      stage: 'enroll' | 'checkin';
      /** Worth retrying as is: the server was unreachable or had a passing fault. */
      transient: boolean;
      message: string;
      /** The server shed the call and said when to come back (seconds). */
      retryAfterSeconds?: number;
    };

export function fail(
  stage: 'enroll' | 'checkin',
  transient: boolean,
  message: string,
  retryAfterSeconds: number | null = null,
): Extract<CycleResult, { outcome: 'failed' }> {
  return retryAfterSeconds === null
    ? { outcome: 'failed', stage, transient, message }
    : { outcome: 'failed', stage, transient, message, retryAfterSeconds };
}

/** Unreachable, overloaded or failing servers are worth retrying; refusals are not. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ServerCallError)) return false;
  // A claimed re-image waits for an admin: ask again next cycle.
  if (error.code === 'reimage-pending') return true;
  return error.status === null || error.status === 429 || error.status >= 500;
}

/**
 * The server could not be reached: no connection, or a proxy or load balancer in front
 * of it saying so (502/503/504).
 */
export function isOutage(error: unknown): boolean {
  if (!(error instanceof ServerCallError)) return false;
  return (
    error.status === null || error.status === 502 || error.status === 503 || error.status === 504
  );
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
