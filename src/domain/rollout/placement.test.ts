import { describe, expect, it } from 'vitest';
import { cumulativeCapacity, placeComputers, placeJoiners } from './placement.js';

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

describe('stable placement', () => {
  it('10% / 100% of 20 gives 2 and 18', () => {
    const m = placeComputers({
      deploymentId: 'd1',
      computerIds: ids(20),
      phases: twoPhases,
      placed: new Map(),
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
    const m = placeComputers({
      deploymentId: 'd',
      computerIds: ids(1001),
      phases,
      placed: new Map(),
    });
    expect(m.sizes).toEqual([51, 200, 750]);
  });

  it('does not depend on the order of the input', () => {
    const a = placeComputers({
      deploymentId: 'd1',
      computerIds: ids(50),
      phases: twoPhases,
      placed: new Map(),
    });
    const b = placeComputers({
      deploymentId: 'd1',
      computerIds: ids(50).reverse(),
      phases: twoPhases,
      placed: new Map(),
    });
    expect([...b.added].sort()).toEqual([...a.added].sort());
  });

  it('adding computers never moves placed ones, and fills each phase up to its share', () => {
    const first = placeComputers({
      deploymentId: 'd1',
      computerIds: ids(20),
      phases: twoPhases,
      placed: new Map(),
    });
    const grown = placeComputers({
      deploymentId: 'd1',
      computerIds: ids(40),
      phases: twoPhases,
      placed: first.added,
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
    const m = placeComputers({
      deploymentId: 'd',
      computerIds: ids(20),
      phases,
      groupsOf,
      placed: new Map(),
    });
    expect(m.added.get('pc-0003')).toBe(0);
    expect(m.added.get('pc-0007')).toBe(0);
    expect(m.added.get('pc-0011')).toBe(1);
    expect(m.sizes).toEqual([2, 3, 15]); // ceil(25% of 20) = 5 in phases ≤ pilot
  });

  it('reports computers no phase reaches', () => {
    const m = placeComputers({
      deploymentId: 'd',
      computerIds: ids(4),
      phases: [{ name: 'servers', groups: ['srv'] }],
      groupsOf: new Map([['pc-0001', ['srv']]]),
      placed: new Map(),
    });
    expect(m.unreached.sort()).toEqual(['pc-0000', 'pc-0002', 'pc-0003']);
  });
});

describe('placing joiners from the phase sizes alone', () => {
  const threePhases = [
    { name: 'pilot', percent: 5 },
    { name: 'early', percent: 25 },
    { name: 'broad', percent: 100 },
  ];

  it('one at a time keeps phase i within ceil(percent_i × N) cumulatively at every size', () => {
    let sizes = [0, 0, 0];
    for (let n = 1; n <= 400; n++) {
      const m = placeJoiners({
        deploymentId: 'd',
        phases: threePhases,
        sizes,
        joiners: [`pc-${n}`],
      });
      expect(m.added.size).toBe(1);
      sizes = m.sizes;
      expect(sizes[0]).toBeLessThanOrEqual(cumulativeCapacity(5, n));
      expect((sizes[0] ?? 0) + (sizes[1] ?? 0)).toBeLessThanOrEqual(cumulativeCapacity(25, n));
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    }
    // Filled in order, each phase reaches its share exactly.
    expect(sizes).toEqual([20, 80, 300]);
  });

  it('gives what the full pass gives for the same target', () => {
    const before = placeComputers({
      deploymentId: 'd9',
      computerIds: ids(1000),
      phases: threePhases,
      placed: new Map(),
    });
    const groupsOf = new Map([['pc-1003', ['lab']]]);
    const phases = [{ name: 'lab', groups: ['lab'] }, ...threePhases];
    const placedBefore = new Map([...before.added].map(([id, p]) => [id, p + 1]));
    const full = placeComputers({
      deploymentId: 'd9',
      computerIds: ids(1040),
      phases,
      groupsOf,
      placed: placedBefore,
    });
    const incremental = placeJoiners({
      deploymentId: 'd9',
      phases,
      sizes: [0, ...before.sizes],
      joiners: ids(40, 1000).reverse(),
      groupsOf,
    });
    expect([...incremental.added].sort()).toEqual([...full.added].sort());
    expect(incremental.sizes).toEqual(full.sizes);
    expect(incremental.added.get('pc-1003')).toBe(0);
  });

  it('ranks a batch of joiners by the stable hash, whatever their order', () => {
    const a = placeJoiners({
      deploymentId: 'd1',
      phases: twoPhases,
      sizes: [2, 18],
      joiners: ids(20, 20),
    });
    const b = placeJoiners({
      deploymentId: 'd1',
      phases: twoPhases,
      sizes: [2, 18],
      joiners: ids(20, 20).reverse(),
    });
    expect([...b.added].sort()).toEqual([...a.added].sort());
    expect(a.sizes).toEqual([4, 36]);
  });
});
