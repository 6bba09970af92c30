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
