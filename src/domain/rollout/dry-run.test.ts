import { describe, expect, it } from 'vitest';
import { planFactory } from '../../../test/factories/plan.factory.js';
import { dryRun } from './dry-run.js';

describe('dry run', () => {
  it('lists each phase, its computers, and when each could start given its windows', () => {
    const plan = planFactory({
      phases: [
        { name: 'servers', groups: ['srv'] },
        { name: 'pilot', percent: 50 },
        { name: 'rest', percent: 100, gate: { manual: true } },
      ],
      availableAt: '2025-06-02T00:00:00Z',
      soakSeconds: 86_400,
    });
    const r = dryRun({
      deploymentId: 'd1',
      plan,
      computers: [
        { id: 'c1', hostname: 'db-01', groups: ['srv'] },
        { id: 'c2', hostname: 'ws-01', groups: ['tokyo'] },
        { id: 'c3', hostname: 'ws-02', groups: ['tokyo'] },
        { id: 'c4', hostname: 'ws-03', groups: [] },
      ],
      windowsByGroup: {
        tokyo: [{ cron: '0 1 * * 6', durationMinutes: 240, timezone: 'Asia/Tokyo' }],
      },
      installTimeoutSeconds: 300,
      now: Date.parse('2025-06-01T12:00:00Z'),
    });
    expect(r.phases.map((p) => [p.name, p.earliestOpenAt])).toEqual([
      ['servers', Date.parse('2025-06-02T00:00:00Z')],
      ['pilot', Date.parse('2025-06-03T00:00:00Z')],
      ['rest', Date.parse('2025-06-04T00:00:00Z')],
    ]);
    expect(r.phases[0]?.computers).toEqual([
      {
        id: 'c1',
        hostname: 'db-01',
        earliestStartAt: Date.parse('2025-06-02T00:00:00Z'),
        why: 'no maintenance window: any time',
      },
    ]);
    expect(r.phases[1]?.computers).toHaveLength(1);
    expect(r.phases[2]?.computers).toHaveLength(2);
    expect(r.phases[1]?.gate).toBe('95% success');
    const tokyo = r.phases
      .flatMap((p) => p.computers)
      .filter((c) => c.hostname.startsWith('ws-0') && c.hostname !== 'ws-03');
    for (const c of tokyo) expect(c.earliestStartAt).toBe(Date.parse('2025-06-07T01:00:00+09:00'));
    expect(r.unreached).toEqual([]);
  });
});

describe('dry run of a statistical gate', () => {
  it('shows the confidence and the minimum sample, and a phase too small for it', () => {
    const plan = planFactory({
      phases: [
        { name: 'pilot', percent: 50 },
        { name: 'broad', percent: 100 },
      ],
      gate: { maxFailurePercent: 20, confidence: 0.95, minSample: 3 },
    });
    const r = dryRun({
      deploymentId: 'd1',
      plan,
      computers: [
        { id: 'c1', hostname: 'a', groups: [] },
        { id: 'c2', hostname: 'b', groups: [] },
      ],
      windowsByGroup: {},
      installTimeoutSeconds: 300,
      now: Date.parse('2025-06-01T12:00:00Z'),
    });
    expect(r.phases[0]?.gate).toBe(
      '95% success, at least 3 with an outcome (the phase reaches only 1: it can never pass), halt above 20% failed at 95% confidence',
    );
  });
});
