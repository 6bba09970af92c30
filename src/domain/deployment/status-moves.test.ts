import { describe, expect, it } from 'vitest';
import { cancellableStates, cancellingActionOf, lateReportApplies } from './status-moves.js';

describe('status moves of admin actions', () => {
  it('cancels only what the agents drop: waiting installs, not facts or running commands', () => {
    for (const s of ['pending', 'downloading', 'downloaded', 'awaiting-user'] as const) {
      expect(cancellableStates.has(s)).toBe(true);
    }
    for (const s of [
      'installed',
      'failed',
      'not-applicable',
      'installing',
      'pending-reboot',
    ] as const) {
      expect(cancellableStates.has(s)).toBe(false);
    }
    expect(cancellingActionOf('halt')).toBe('halt');
    expect(cancellingActionOf('resume')).toBeNull();
  });

  it('lets a late outcome win over a cancellation, never a stale wait', () => {
    const cancelled = { state: 'cancelled' as const, deploymentId: 'd1' };
    const from = (
      state: 'installed' | 'failed' | 'installing' | 'awaiting-user' | 'downloaded',
    ) => ({
      state,
      deploymentId: 'd1',
    });
    expect(lateReportApplies(cancelled, from('installed'))).toBe(true);
    expect(lateReportApplies(cancelled, from('failed'))).toBe(true);
    expect(lateReportApplies(cancelled, from('installing'))).toBe(true);
    expect(lateReportApplies(cancelled, from('awaiting-user'))).toBe(false);
    expect(lateReportApplies(cancelled, from('downloaded'))).toBe(false);
    // Another deployment of the update assigned it since: its wait is real.
    expect(lateReportApplies(cancelled, { state: 'awaiting-user', deploymentId: 'd2' })).toBe(true);
    expect(
      lateReportApplies({ state: 'awaiting-user', deploymentId: 'd1' }, from('downloaded')),
    ).toBe(true);
    expect(lateReportApplies(null, from('awaiting-user'))).toBe(true);
  });
});
