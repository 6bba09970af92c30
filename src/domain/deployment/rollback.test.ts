import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../status.js';
import { rollbackVerdict } from './rollback.js';

describe('the rollback verdict', () => {
  it('waits while any computer may still have the update', () => {
    const counts = { ...emptyCounts(), uninstalled: 5, 'pending-reboot': 1, downloading: 1 };
    expect(rollbackVerdict(counts)).toEqual({ done: false, left: 2 });
  });

  it('is done when none has it, saying how many were removed and how many failed', () => {
    const counts = { ...emptyCounts(), uninstalled: 5, 'uninstall-failed': 2, pending: 3 };
    expect(rollbackVerdict(counts)).toEqual({
      done: true,
      removed: 5,
      failed: 2,
      reason: 'rolled back: removed from 5 computer(s), 2 uninstall(s) failed',
    });
  });
});
