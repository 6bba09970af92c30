import type { StatusState } from '../status.js';

/** States in which an update is (or may be) on the computer, so a rollback has work there. */
export const uninstallableStates: ReadonlySet<StatusState> = new Set([
  'installed',
  'pending-reboot',
  'uninstalling',
  'installing',
  'downloading',
  'downloaded',
  'awaiting-user',
]);

export type RollbackVerdict =
  { done: false; left: number } | { done: true; removed: number; failed: number; reason: string };

/** A rollback is done when no computer of the deployment may still have the update. */
export function rollbackVerdict(counts: Readonly<Record<StatusState, number>>): RollbackVerdict {
  let left = 0;
  for (const state of uninstallableStates) left += counts[state];
  if (left > 0) return { done: false, left };
  const removed = counts.uninstalled;
  const failed = counts['uninstall-failed'];
  const reason =
    `rolled back: removed from ${removed} computer(s)` +
    (failed > 0 ? `, ${failed} uninstall(s) failed` : '');
  return { done: true, removed, failed, reason };
}
