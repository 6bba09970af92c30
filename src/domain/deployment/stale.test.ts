import { describe, expect, it } from 'vitest';
import { staleness } from './stale.js';

const day = 86_400_000;
const start = Date.parse('2026-06-01T00:00:00Z');

describe('stale: last success older than the recurrence interval', () => {
  it('flags an assignment that never succeeded once its recurrence has passed, in virtual time', () => {
    const input = {
      state: 'failed' as const,
      installedAt: null,
      assignedAt: start,
      recurrenceSeconds: 7 * 86_400,
    };
    // The clock is a number handed in: a week is moved on, never waited for.
    expect(staleness(input, start + 7 * day)).toBeNull();
    const late = staleness(input, start + 9 * day);
    expect(late).toMatchObject({ since: start, lastSucceededAt: null, ageSeconds: 9 * 86_400 });
    expect(late?.message).toBe(
      'needs investigation: never succeeded since it was assigned 9d ago (recurrence 7d)',
    );
  });

  it('counts from the last success when there was one (re-imaged, then failing)', () => {
    const r = staleness(
      {
        state: 'pending',
        installedAt: start + day,
        assignedAt: start,
        recurrenceSeconds: 86_400,
      },
      start + 3 * day,
    );
    expect(r).toMatchObject({ lastSucceededAt: start + day, ageSeconds: 2 * 86_400 });
    expect(r?.message).toBe('needs investigation: last succeeded 2d ago (recurrence 24h)');
  });

  it('never flags a compliant, cancelled or not yet assigned computer', () => {
    const long = start + 100 * day;
    const base = { installedAt: null, assignedAt: start, recurrenceSeconds: 60 };
    expect(staleness({ ...base, state: 'installed' }, long)).toBeNull();
    expect(staleness({ ...base, state: 'not-applicable' }, long)).toBeNull();
    expect(staleness({ ...base, state: 'cancelled' }, long)).toBeNull();
    expect(staleness({ ...base, assignedAt: null, state: 'pending' }, long)).toBeNull();
  });
});
