import { describe, expect, it } from 'vitest';
import { planFactory } from '../../../test/factories/plan.factory.js';
import { applySupersedence, resolveConflicts, type ReachingDeployment } from './conflicts.js';
import { nextRetry, retryDue, type FailedAttempt } from './retry.js';

const plan = planFactory({
  phases: [{ name: 'all', percent: 100 }],
  recurrenceByGroup: { servers: 86_400 },
  maxAttempts: 5,
  retryBackoffSeconds: 600,
});
const t0 = Date.parse('2025-06-01T00:00:00Z');
const failed = (over: Partial<FailedAttempt>): FailedAttempt => ({
  state: 'failed',
  reason: 'install-error',
  updatedAt: t0,
  attempts: 1,
  groups: [],
  ...over,
});

describe('retries', () => {
  it('retries exit-code failures soon, doubling the backoff, capped at the recurrence', () => {
    const at = (attempts: number): number | null => {
      const d = nextRetry(plan, failed({ reason: 'install-retry', attempts }));
      return d.retry ? (d.at - t0) / 1000 : null;
    };
    expect([1, 2, 3, 4].map(at)).toEqual([600, 1200, 2400, 4800]);
    const capped = nextRetry(
      { ...plan, retryBackoffSeconds: 50_000 },
      failed({ reason: 'install-retry', attempts: 3, groups: ['servers'] }),
    );
    expect(capped.retry && capped.at - t0).toBe(86_400_000);
  });

  it('retries other failures at the recurrence, the group override first', () => {
    const d = nextRetry(plan, failed({ reason: 'disk-space' }));
    expect(d).toEqual({
      retry: true,
      at: t0 + 7 * 86_400_000,
      reason: 'disk-space: attempt 2 of 5 at the 7d recurrence',
    });
    const s = nextRetry(plan, failed({ groups: ['desktops', 'servers'] }));
    expect(s.retry && s.at).toBe(t0 + 86_400_000);
    expect(retryDue(plan, failed({ groups: ['servers'] }), t0 + 86_399_999)).toBe(false);
    expect(retryDue(plan, failed({ groups: ['servers'] }), t0 + 86_400_000)).toBe(true);
  });

  it('stops at maxAttempts and never retries what did not fail', () => {
    expect(nextRetry(plan, failed({ attempts: 5, reason: 'install-retry' }))).toEqual({
      retry: false,
      reason: 'gave up after 5 of 5 attempts (last: install-retry)',
    });
    expect(retryDue(plan, failed({ attempts: 5 }), t0 + 365 * 86_400_000)).toBe(false);
    expect(nextRetry(plan, failed({ state: 'installed' })).retry).toBe(false);
  });
});

describe('conflicts', () => {
  const d = (over: Partial<ReachingDeployment> & { deploymentId: string }): ReachingDeployment => ({
    updateId: 'U1',
    action: 'install',
    deadline: null,
    createdAt: 0,
    ...over,
  });

  it('install beats uninstall, then the earliest deadline, then the earliest created', () => {
    const [r] = resolveConflicts([
      d({ deploymentId: 'remove', action: 'uninstall', deadline: 1 }),
      d({ deploymentId: 'late', deadline: 500 }),
      d({ deploymentId: 'none' }),
      d({ deploymentId: 'soon', deadline: 100, createdAt: 9 }),
      d({ deploymentId: 'soon-old', deadline: 100, createdAt: 1 }),
    ]);
    expect(r).toMatchObject({
      updateId: 'U1',
      action: 'install',
      deploymentId: 'soon-old',
      overridden: ['soon', 'late', 'none', 'remove'],
      reason: 'soon-old: same deadline, created first',
    });
    const [u] = resolveConflicts([
      d({ deploymentId: 'remove', action: 'uninstall', deadline: 1 }),
      d({ deploymentId: 'keep' }),
    ]);
    expect(u?.reason).toBe('keep: install beats uninstall (remove)');
    const [n] = resolveConflicts([d({ deploymentId: 'a' }), d({ deploymentId: 'b', deadline: 5 })]);
    expect(n?.deploymentId).toBe('b');
  });

  it('does not assign an update superseded by one approved for the computer', () => {
    const driving = resolveConflicts([
      d({ deploymentId: 'old', updateId: 'KB1' }),
      d({ deploymentId: 'new', updateId: 'KB2' }),
      d({ deploymentId: 'other', updateId: 'KB9' }),
    ]);
    const r = applySupersedence(driving, [{ updateId: 'KB2', supersedes: ['KB1'] }]);
    expect(r.assigned.map((o) => o.updateId)).toEqual(['KB2', 'KB9']);
    expect(r.superseded).toEqual([{ updateId: 'KB1', supersededBy: 'KB2', deploymentId: 'old' }]);
  });
});
