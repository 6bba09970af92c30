import { emptyCounts, statusStates, type StatusState } from '../status.js';

/**
 * A deployment's progress over time: the counts per phase and state, recorded each
 * time they change. Stored compactly (only the non-zero counts of each phase);
 * shown in full, with the phase names and the total.
 */

export type CompactCounts = Partial<Record<StatusState, number>>;

/** The non-zero counts of each phase, in plan order, with the states in a fixed order. */
export function compactPhases(
  phases: readonly Partial<Record<StatusState, number>>[],
): CompactCounts[] {
  return phases.map((counts) => {
    const out: CompactCounts = {};
    for (const s of statusStates) {
      const n = counts[s] ?? 0;
      if (n !== 0) out[s] = n;
    }
    return out;
  });
}

/** Do two recorded points hold the same counts? */
export function sameProgress(a: readonly CompactCounts[], b: readonly CompactCounts[]): boolean {
  return JSON.stringify(compactPhases(a)) === JSON.stringify(compactPhases(b));
}

export type ProgressRow = {
  at: number;
  phases: { name: string; counts: Record<StatusState, number> }[];
  total: Record<StatusState, number>;
};

/** A stored point in full: every state of every phase named, and the total. */
export function expandProgress(
  phaseNames: readonly string[],
  at: number,
  phases: readonly CompactCounts[],
): ProgressRow {
  const total = emptyCounts();
  const named = phaseNames.map((name, i) => {
    const counts = emptyCounts();
    for (const s of statusStates) {
      const n = phases[i]?.[s] ?? 0;
      counts[s] = n;
      total[s] += n;
    }
    return { name, counts };
  });
  return { at, phases: named, total };
}
