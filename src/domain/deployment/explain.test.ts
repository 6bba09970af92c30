import { describe, expect, it } from 'vitest';
import { planFactory } from '../../../test/factories/plan.factory.js';
import { explainStatus, type ExplainedStatus, type StatusContext } from './explain.js';

const now = Date.parse('2026-06-01T12:00:00Z');
const plan = planFactory({ maxAttempts: 3, recurrenceSeconds: 3600 });
const status = (over: Partial<ExplainedStatus>): ExplainedStatus => ({
  state: 'pending',
  reason: null,
  message: null,
  attempts: 0,
  updatedAt: null,
  cancelled: null,
  ...over,
});
const ctx = (over: Partial<StatusContext> = {}): StatusContext => ({
  deployment: { state: 'active', plan },
  phase: { name: 'pilot', open: true },
  health: { state: 'online', since: now - 1000 },
  groups: [],
  ...over,
});

describe('why a status waits', () => {
  it('tells each wait apart', () => {
    expect(explainStatus(status({}), ctx({ phase: { name: 'broad', open: false } }), now)).toBe(
      'waiting for phase broad to open',
    );
    expect(
      explainStatus(status({}), ctx({ health: { state: 'offline', since: now - 7_200_000 } }), now),
    ).toBe('offline since 2026-06-01T10:00:00.000Z');
    expect(
      explainStatus(status({ state: 'awaiting-user', updatedAt: now - 60_000 }), ctx(), now),
    ).toBe('awaiting the user since 2026-06-01T11:59:00.000Z (1m)');
    expect(
      explainStatus(
        status({ state: 'awaiting-user', reason: 'user-postponed', updatedAt: now - 60_000 }),
        ctx(),
        now,
      ),
    ).toMatch(/^postponed by the user since/);
    expect(
      explainStatus(
        status({ state: 'failed', reason: 'disk-space', attempts: 1, updatedAt: now }),
        ctx(),
        now,
      ),
    ).toBe(
      'retry due at 2026-06-01T13:00:00.000Z (disk-space: attempt 2 of 3 at the 1h recurrence)',
    );
    expect(
      explainStatus(
        status({
          state: 'cancelled',
          cancelled: { by: 'revoke', actor: 'ops', at: now },
        }),
        ctx({ deployment: { state: 'revoked', plan } }),
        now,
      ),
    ).toBe('cancelled by revoke (ops) at 2026-06-01T12:00:00.000Z');
    expect(explainStatus(status({}), ctx({ deployment: { state: 'halted', plan } }), now)).toBe(
      'the deployment is halted',
    );
  });

  it('has nothing to say of a final status', () => {
    expect(explainStatus(status({ state: 'installed' }), ctx(), now)).toBeNull();
    expect(
      explainStatus(status({ state: 'failed', attempts: 3, updatedAt: now }), ctx(), now),
    ).toBeNull();
  });
});
