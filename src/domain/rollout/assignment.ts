import type { DeploymentPlan, MaintenanceWindow } from './plan.js';
import type { ClientPolicy } from '../deployment/policy.js';
import { uninstallableStates } from '../deployment/rollback.js';
import type { FailureReason, StatusState } from '../status.js';
import { applySupersedence, resolveConflicts } from './conflicts.js';
import { retryDue } from './retry.js';
import { installStart } from './windows.js';

export { uninstallableStates } from '../deployment/rollback.js';

/**
 * What one computer is told to do at check-in: one driving deployment per update,
 * minus superseded updates, what is done already, failures not yet due for a
 * retry, and installs that may not start in this computer's windows now.
 */

export type ReachingAssignment = {
  deploymentId: string;
  updateId: string;
  action: 'install' | 'uninstall';
  plan: DeploymentPlan;
  /** The client policy in effect for this computer (effectivePolicy). */
  policy: ClientPolicy;
  createdAt: number;
  deadline: number | null;
  /** Failures reported before this are assigned again now (redeploy). */
  readvertisedAt: number | null;
};

export type KnownStatus = {
  state: StatusState;
  reason: FailureReason | null;
  updatedAt: number;
  attempts: number;
};

export type AssignmentInput = {
  reaching: readonly ReachingAssignment[];
  /** updateId → the ids it supersedes. */
  supersedes: ReadonlyMap<string, readonly string[]>;
  /** updateId → install timeout in seconds. */
  installTimeouts: ReadonlyMap<string, number>;
  statuses: ReadonlyMap<string, KnownStatus>;
  groups: readonly string[];
  windows: readonly MaintenanceWindow[];
};

export type DecidedAssignment = ReachingAssignment & {
  /**
   * Scheduled policy outside the computer's windows: the install may start then, not
   * before (the agent downloads now and installs at that time). Null: it may start now.
   */
  installFrom: number | null;
};

export type AssignmentDecision = {
  assignments: DecidedAssignment[];
  /** The earliest time a window opens for something held back now (for pacing). */
  nextStartAt: number | null;
};

/** States in which nothing runs on the computer: a new install waits for its window. */
const notStarted: ReadonlySet<StatusState> = new Set([
  'pending',
  'failed',
  'uninstalled',
  'cancelled',
]);

function failureDue(
  assignment: ReachingAssignment,
  status: KnownStatus,
  groups: readonly string[],
  now: number,
): boolean {
  if (assignment.readvertisedAt !== null && status.updatedAt < assignment.readvertisedAt)
    return true;
  return retryDue(assignment.plan, { ...status, groups }, now);
}

export function decideAssignments(input: AssignmentInput, now: number): AssignmentDecision {
  // A deployment of several updates reaches the computer once per update.
  const key = (deploymentId: string, updateId: string) => `${deploymentId}\u0000${updateId}`;
  const byKey = new Map(input.reaching.map((r) => [key(r.deploymentId, r.updateId), r]));
  const driving = resolveConflicts(input.reaching);
  const { assigned } = applySupersedence(
    driving,
    [...input.supersedes].map(([updateId, supersedes]) => ({ updateId, supersedes })),
  );
  const assignments: DecidedAssignment[] = [];
  let nextStartAt: number | null = null;
  for (const d of assigned) {
    const assignment = byKey.get(key(d.deploymentId, d.updateId));
    if (!assignment) continue;
    const status = input.statuses.get(d.updateId);
    if (assignment.action === 'uninstall') {
      if (status && uninstallableStates.has(status.state)) {
        assignments.push({ ...assignment, installFrom: null });
      }
      continue;
    }
    if (status) {
      if (status.state === 'installed' || status.state === 'not-applicable') continue;
      if (status.state === 'failed' && !failureDue(assignment, status, input.groups, now)) continue;
      // Started already (or waiting for a restart): let the agent finish, windows or not.
      // A cancelled one was dropped by the agent (halt, revoke): it starts over.
      if (!notStarted.has(status.state)) {
        assignments.push({ ...assignment, installFrom: null });
        continue;
      }
    }
    const timeout = input.installTimeouts.get(d.updateId) ?? 0;
    const start = installStart(assignment.plan, assignment.createdAt, input.windows, now, timeout);
    if (start.canStartNow) assignments.push({ ...assignment, installFrom: null });
    else if (assignment.policy === 'scheduled' && start.nextStartAt !== null) {
      // The content goes to the computer ahead of its window, so that a fleet does not
      // fetch in the window's first minute; the install waits for the window.
      assignments.push({ ...assignment, installFrom: start.nextStartAt });
    } else if (
      start.nextStartAt !== null &&
      (nextStartAt === null || start.nextStartAt < nextStartAt)
    ) {
      nextStartAt = start.nextStartAt;
    }
  }
  return { assignments, nextStartAt };
}
