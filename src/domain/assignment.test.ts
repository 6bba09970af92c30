import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, planAssignments, type KnownStatus } from './assignment.js';

const day = 24 * 3600_000;

describe('planAssignments', () => {
  const reaching = [
    { deploymentId: 'dep_b', updateId: 'U1', createdAt: 20 },
    { deploymentId: 'dep_a', updateId: 'U1', createdAt: 10 },
    { deploymentId: 'dep_c', updateId: 'U2', createdAt: 30 },
  ];

  it('offers each update once, driven by the earliest deployment', () => {
    expect(planAssignments(reaching, new Map(), 0)).toEqual([
      { deploymentId: 'dep_a', updateId: 'U1', action: 'install' },
      { deploymentId: 'dep_c', updateId: 'U2', action: 'install' },
    ]);
  });

  it('skips what is installed or not applicable', () => {
    const statuses = new Map<string, KnownStatus>([
      ['U1', { state: 'installed', reason: null, updatedAt: 0 }],
      ['U2', { state: 'not-applicable', reason: null, updatedAt: 0 }],
    ]);
    expect(planAssignments(reaching, statuses, 0)).toEqual([]);
  });

  it('retries a failure at the recurrence interval, and a retry exit code soon', () => {
    const failed = new Map<string, KnownStatus>([
      ['U1', { state: 'failed', reason: 'install-error', updatedAt: 0 }],
      ['U2', { state: 'failed', reason: 'install-retry', updatedAt: 0 }],
    ]);
    expect(planAssignments(reaching, failed, day).map((a) => a.updateId)).toEqual(['U2']);
    expect(planAssignments(reaching, failed, 7 * day).map((a) => a.updateId)).toEqual(['U1', 'U2']);
    expect(planAssignments(reaching, failed, defaultRetryPolicy.retrySoonMs - 1)).toEqual([]);
  });

  it('keeps offering an update waiting for a reboot, so the agent can confirm it', () => {
    const waiting = new Map<string, KnownStatus>([
      ['U1', { state: 'pending-reboot', reason: null, updatedAt: 0 }],
    ]);
    expect(planAssignments(reaching, waiting, 1).map((a) => a.updateId)).toEqual(['U1', 'U2']);
  });
});
