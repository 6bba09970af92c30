import { describe, expect, it } from 'vitest';
import { assignPhases, cumulativeCapacity } from './membership.js';

const ids = (n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => `pc-${String(i + from).padStart(4, '0')}`);
const twoPhases = [
  { name: 'first', percent: 10 },
  { name: 'rest', percent: 100 },
];

function count(m: Map<string, number>, phases: number): number[] {
  const out = Array.from({ length: phases }, () => 0);
  for (const p of m.values()) out[p] = (out[p] ?? 0) + 1;
  return out;
}

describe('stable phase membership', () => {
  it('10% / 100% of 20 gives 2 and 18', () => {
    const m = assignPhases({
      deploymentId: 'd1',
      computerIds: ids(20),
      phases: twoPhases,
      assigned: new Map(),
    });
    expect(count(m.added, 2)).toEqual([2, 18]);
    expect(m.sizes).toEqual([2, 18]);
    expect(m.unreached).toEqual([]);
  });

  it('rounds up: 5% / 25% / 100% of 1001', () => {
    expect(cumulativeCapacity(5, 1001)).toBe(51);
    const phases = [
      { name: 'pilot', percent: 5 },
      { name: 'early', percent: 25 },
      { name: 'broad', percent: 100 },
    ];
    const m = assignPhases({
      deploymentId: 'd',
      computerIds: ids(1001),
      phases,
      assigned: new Map(),
    });
    expect(m.sizes).toEqual([51, 200, 750]);
  });

  it('does not depend on the order of the input', () => {
    const a = assignPhases({
      deploymentId: 'd1',
      computerIds: ids(50),
      phases: twoPhases,
      assigned: new Map(),
    });
    const b = assignPhases({
      deploymentId: 'd1',
      computerIds: ids(50).reverse(),
      phases: twoPhases,
      assigned: new Map(),
    });
    expect([...b.added].sort()).toEqual([...a.added].sort());
  });

  it('adding computers never moves assigned ones, and fills each phase up to its share', () => {
    const first = assignPhases({
      deploymentId: 'd1',
      computerIds: ids(20),
      phases: twoPhases,
      assigned: new Map(),
    });
    const grown = assignPhases({
      deploymentId: 'd1',
      computerIds: ids(40),
      phases: twoPhases,
      assigned: first.added,
    });
    for (const id of first.added.keys()) expect(grown.added.has(id)).toBe(false);
    expect(grown.added.size).toBe(20);
    expect(grown.sizes).toEqual([4, 36]); // ceil(10% of 40) = 4 in the first phase
    for (const id of grown.added.keys()) expect(id >= 'pc-0020').toBe(true);
  });

  it('puts group members in the earliest phase naming their group, counted in the share', () => {
    const groupsOf = new Map<string, string[]>([
      ['pc-0003', ['srv']],
      ['pc-0007', ['srv', 'db']],
      ['pc-0011', ['db']],
    ]);
    const phases = [
      { name: 'servers', groups: ['srv'] },
      { name: 'pilot', percent: 25, groups: ['db'] },
      { name: 'broad', percent: 100 },
    ];
    const m = assignPhases({
      deploymentId: 'd',
      computerIds: ids(20),
      phases,
      groupsOf,
      assigned: new Map(),
    });
    expect(m.added.get('pc-0003')).toBe(0);
    expect(m.added.get('pc-0007')).toBe(0);
    expect(m.added.get('pc-0011')).toBe(1);
    expect(m.sizes).toEqual([2, 3, 15]); // ceil(25% of 20) = 5 in phases ≤ pilot
  });

  it('reports computers no phase reaches', () => {
    const m = assignPhases({
      deploymentId: 'd',
      computerIds: ids(4),
      phases: [{ name: 'servers', groups: ['srv'] }],
      groupsOf: new Map([['pc-0001', ['srv']]]),
      assigned: new Map(),
    });
    expect(m.unreached.sort()).toEqual(['pc-0000', 'pc-0002', 'pc-0003']);
  });
});
