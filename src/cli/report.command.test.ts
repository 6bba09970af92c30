import { describe, expect, it } from 'vitest';
import { formatStale } from './report.command.js';

describe('report stale', () => {
  it('prints each computer that needs investigation with how long ago it last succeeded', () => {
    const text = formatStale([
      {
        computerId: 'c1',
        hostname: 'pc-1',
        deploymentId: 'd1',
        updateId: 'acme-1',
        state: 'failed',
        lastSeenAt: '2026-06-09T00:00:00.000Z',
        stale: {
          since: '2026-06-01T00:00:00.000Z',
          lastSucceededAt: null,
          ageSeconds: 9 * 86_400,
          recurrenceSeconds: 7 * 86_400,
          message: 'needs investigation',
        },
      },
    ]);
    expect(text).toMatch(/pc-1\s+acme-1\s+d1\s+failed\s+never\s+9d\s+7d\s+2026-06-09 00:00:00Z/);
    expect(formatStale([])).toBe('No computer needs investigation.');
  });
});
