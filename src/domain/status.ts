/**
 * The state model of one computer × one update. Every state an agent reports is a
 * fact with a time and, for failures, a reason.
 */
export const reportedStates = [
  'pending', // assigned; the agent has not reported on it yet
  'downloading',
  'downloaded',
  'awaiting-user', // policy asks the person at the computer before download or install
  'installing',
  'installed',
  'pending-reboot',
  'not-applicable',
  'failed',
  'uninstalling',
  'uninstalled',
  'uninstall-failed',
] as const;

/** Every state; `cancelled` is the server's (an agent never reports it), set by an admin action. */
export const statusStates = [
  ...reportedStates,
  // a halt, revoke or rollback withdrew it before the agent finished: neither success nor failure
  'cancelled',
] as const;
export type StatusState = (typeof statusStates)[number];
export type ReportedState = (typeof reportedStates)[number];

/** Why a computer did not get (or keep) an update: each cause told apart in reports. */
export const failureReasons = [
  'disk-space',
  'prerequisite-missing',
  'hash-mismatch',
  'download-failed',
  'install-error', // the install command exited with a failure code
  'install-timeout',
  'install-retry', // a retry exit code (another install is running): retried soon
  'detect-mismatch', // the install said success but the detect rule disagrees
  'detect-error',
  'uninstall-error',
  'offline',
  'reimaged',
  'agent-stopped',
  'server-unreachable',
  'agent-error',
  'user-postponed', // the person at the computer put the install off (notify policies)
  'agent-update-failed', // the new agent did not check in in time: the previous one came back
] as const;
export type FailureReason = (typeof failureReasons)[number];

/** States after which the agent has nothing more to do for an install assignment. */
const finalInstallStates: ReadonlySet<StatusState> = new Set(['installed', 'not-applicable']);

export function isInstallDone(state: StatusState): boolean {
  return finalInstallStates.has(state);
}

/** States in which the computer is counted as compliant with the update. */
export function isCompliant(state: StatusState): boolean {
  return state === 'installed' || state === 'not-applicable';
}

/** Zero-filled counts keyed by every state, so reports always show the whole model. */
export function emptyCounts(): Record<StatusState, number> {
  return Object.fromEntries(statusStates.map((s) => [s, 0])) as Record<StatusState, number>;
}

export function countStates(states: Iterable<StatusState>): Record<StatusState, number> {
  const counts = emptyCounts();
  for (const s of states) counts[s] += 1;
  return counts;
}

/** The admin actions that cancel statuses (see deployment/status-moves.ts). */
export const cancellingActions = ['halt', 'revoke', 'rollback'] as const;
export type CancellingAction = (typeof cancellingActions)[number];

/** Who cancelled a status, and when: set only while the state is `cancelled`. */
export type Cancellation = { by: CancellingAction; actor: string; at: number };

/** What a computer last reported for one update, as stored (nothing yet: state null). */
export type ReportedStatus = {
  deploymentId: string | null;
  state: StatusState | null;
  reason: FailureReason | null;
  exitCode: number | null;
  output: string | null;
  message: string | null;
  attempts: number;
  updatedAt: number | null;
  installedAt: number | null;
  cancelled: Cancellation | null;
};
