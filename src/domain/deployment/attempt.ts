import type { StatusState } from '../status.js';

/**
 * The attempt rule: which reported states count as one more attempt of a computer
 * at an update. An attempt starts when a command starts (`installing`,
 * `uninstalling`); a failure reported without a start before it (the download
 * failed, the disk was full) is an attempt that ended early, and counts too, so
 * `maxAttempts` bounds every kind of failure.
 */
export function countsAsAttempt(previous: StatusState | null, next: StatusState): boolean {
  if (next === 'installing' || next === 'uninstalling') return true;
  if (next === 'failed') return previous !== 'installing';
  if (next === 'uninstall-failed') return previous !== 'uninstalling';
  return false;
}
