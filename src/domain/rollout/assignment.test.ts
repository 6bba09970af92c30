import { describe, expect, it } from 'vitest';
import { planFactory } from '../../../test/factories/plan.factory.js';
import { decideAssignments, type ReachingAssignment } from './assignment.js';

const plan = planFactory({ phases: [{ name: 'all', percent: 100 }] });
const t0 = Date.parse('2026-06-01T00:00:00Z');

const reaching = (updateId: string, deploymentId = 'dep_1'): ReachingAssignment => ({
  deploymentId,
  updateId,
  action: 'install',
  plan,
  policy: 'scheduled',
  createdAt: t0,
  deadline: null,
  readvertisedAt: null,
});

const input = (r: ReachingAssignment[], statuses = new Map()) => ({
  reaching: r,
  supersedes: new Map<string, string[]>(),
  installTimeouts: new Map<string, number>(),
  statuses,
  groups: [],
  windows: [],
});

describe('assignments of a deployment of several updates', () => {
  it('assigns each update of one deployment on its own', () => {
    const decision = decideAssignments(input([reaching('A'), reaching('B')]), t0);
    expect(decision.assignments.map((o) => [o.deploymentId, o.updateId])).toEqual([
      ['dep_1', 'A'],
      ['dep_1', 'B'],
    ]);
  });

  it('keeps each computer × update status apart: an installed one is not assigned again', () => {
    const statuses = new Map([
      ['A', { state: 'installed' as const, reason: null, updatedAt: t0, attempts: 1 }],
    ]);
    const decision = decideAssignments(input([reaching('A'), reaching('B')], statuses), t0);
    expect(decision.assignments.map((o) => o.updateId)).toEqual(['B']);
  });
});

describe('the scheduled policy outside the maintenance windows', () => {
  // Saturdays 01:00–05:00 UTC; t0 is a Monday.
  const windows = [{ cron: '0 1 * * 6', durationMinutes: 240, timezone: 'UTC' }];
  const saturday = Date.parse('2026-06-06T01:00:00Z');
  const withWindows = (r: ReachingAssignment[]) => ({ ...input(r), windows });

  it('assigns the update now, to install from the next window (the content goes ahead)', () => {
    const decision = decideAssignments(withWindows([reaching('A')]), t0);
    expect(decision.assignments).toEqual([
      expect.objectContaining({ updateId: 'A', installFrom: saturday }),
    ]);
  });

  it('holds back the other policies until the window, telling when it opens', () => {
    const decision = decideAssignments(
      withWindows([{ ...reaching('A'), policy: 'auto-download' }]),
      t0,
    );
    expect(decision.assignments).toEqual([]);
    expect(decision.nextStartAt).toBe(saturday);
  });

  it('inside a window the install may start at once', () => {
    const decision = decideAssignments(withWindows([reaching('A')]), saturday + 60_000);
    expect(decision.assignments).toEqual([expect.objectContaining({ installFrom: null })]);
  });
});

describe('a status the agent dropped', () => {
  it('waits for the window again: a cancelled install has not started', () => {
    const windows = [{ cron: '0 1 * * 6', durationMinutes: 240, timezone: 'UTC' }];
    const statuses = new Map([
      ['A', { state: 'cancelled' as const, reason: null, updatedAt: t0, attempts: 0 }],
    ]);
    const decision = decideAssignments(
      { ...input([{ ...reaching('A'), policy: 'notify' }], statuses), windows },
      t0,
    );
    expect(decision.assignments).toEqual([]);
  });
});
