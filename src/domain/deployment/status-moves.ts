import type { CancellingAction, StatusState } from '../status.js';

/**
 * How admin actions move the statuses of a deployment's computers, in the same
 * transaction as the action, so the counts keep describing what the agents hold.
 *
 * Halt, revoke and rollback withdraw the assignment: the agents drop the install
 * that waits (for the user, a schedule, a window or its phase) and its files. Those
 * statuses become `cancelled`, naming the action. What already happened stays a
 * fact: installed, failed, not applicable, waiting for a restart. A command that is
 * running (`installing`, `uninstalling`) runs to its end, and its outcome is reported.
 */

/** Statuses an action withdraws (a computer placed without a status is `pending`). */
export const cancellableStates: ReadonlySet<StatusState> = new Set([
  'pending',
  'downloading',
  'downloaded',
  'awaiting-user',
]);

/** The action that moves statuses when a deployment changes this way, if any. */
export function cancellingActionOf(action: string): CancellingAction | null {
  return action === 'halt' || action === 'revoke' || action === 'rollback' ? action : null;
}

/** What an action does to the statuses of its deployment's computers. */
export type StatusMove =
  | { kind: 'cancel'; by: CancellingAction; actor: string; at: number }
  | { kind: 'restore'; from: readonly CancellingAction[]; at: number };

/**
 * Halt, revoke and rollback cancel; resume re-assigns what the halt cancelled, so
 * those statuses are pending again (a revoke or rollback is not resumed).
 */
export function statusMoveFor(action: string, actor: string, at: number): StatusMove | null {
  if (action === 'resume') return { kind: 'restore', from: ['halt'], at };
  const by = cancellingActionOf(action);
  return by === null ? null : { kind: 'cancel', by, actor, at };
}

/**
 * Does a late agent report about a cancelled status apply? An outcome is a fact
 * (an install that really finished: `installed` wins, and so does a failure or a
 * command that had started); a report that the install still waits (sent before
 * the agent saw the cancellation) does not bring the withdrawn assignment back.
 */
export function lateReportApplies(
  stored: { state: StatusState; deploymentId: string | null } | null,
  reported: { state: StatusState; deploymentId: string | null },
): boolean {
  if (stored?.state !== 'cancelled') return true;
  // Another deployment of the update drives it now: its reports are news.
  if (stored.deploymentId !== reported.deploymentId) return true;
  return !cancellableStates.has(reported.state);
}
