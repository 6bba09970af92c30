import type { Phase } from './plan.js';

/**
 * Stable placement: the phase a computer is in for one deployment. A computer once
 * placed stays in its phase; new computers go first to the earliest phase naming
 * one of their groups, then by the rank of a stable hash of `deploymentId:computerId`
 * into the percentage phases, so that phase i holds up to ceil(percent_i × N)
 * computers cumulatively. The same input gives the same answer in any order, and a
 * growing target never reshuffles.
 *
 * Two entry points share the rule: `placeComputers` looks at the whole target (the
 * safety net), `placeJoiners` needs only the phase sizes and the joiners, so placing
 * a joiner costs O(its deployments), not O(target). The pieces (`groupPhase`,
 * `hashShares`, `phaseOfRank`) let the server stream a target of any size in pages
 * and give the same answer (server/engine/placer.ts).
 */

/** FNV-1a, 32-bit, over UTF-16 code units: fast, pure, stable across processes. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** How many computers phases up to this one may hold in all: ceil(percent × N). */
export function cumulativeCapacity(percent: number, targetSize: number): number {
  const exact = (percent * targetSize) / 100;
  return Math.min(targetSize, Math.ceil(Number(exact.toFixed(9))));
}

export type PlacementPhase = Pick<Phase, 'name' | 'percent' | 'groups'>;

export type PlacementInput = {
  deploymentId: string;
  /** Every computer of the target now, placed or not. */
  computerIds: readonly string[];
  phases: readonly PlacementPhase[];
  /** computerId → its groups; needed only when phases name groups. */
  groupsOf?: ReadonlyMap<string, readonly string[]>;
  /** computerId → phase index, as already stored; never moved. */
  placed: ReadonlyMap<string, number>;
};

export type Placement = {
  /** Only the new placements, computerId → phase index, to store. */
  added: Map<string, number>;
  /** Computers of the target that no phase reaches (no 100% phase and not in any phase group). */
  unreached: string[];
  /** Computers per phase, placed before or now, among the current target. */
  sizes: number[];
};

/** Places the computers of the whole target that are not placed yet. */
export function placeComputers(input: PlacementInput): Placement {
  const { phases, placed } = input;
  const sizes = phases.map(() => 0);
  const fresh = new Set<string>();
  for (const id of input.computerIds) {
    const at = placed.get(id);
    if (at !== undefined && at >= 0 && at < phases.length) sizes[at] = (sizes[at] ?? 0) + 1;
    else fresh.add(id);
  }
  return place(input.deploymentId, phases, sizes, [...fresh], input.groupsOf);
}

export type JoinersInput = {
  deploymentId: string;
  phases: readonly PlacementPhase[];
  /** Computers per phase already placed, all in the target. */
  sizes: readonly number[];
  /** Computers that joined the target and are not placed yet. */
  joiners: readonly string[];
  groupsOf?: ReadonlyMap<string, readonly string[]>;
};

/**
 * Places computers that joined a target whose other computers are all placed: the
 * target is then the placed ones and the joiners, so the phase sizes alone keep the
 * cumulative-capacity promise. Gives what `placeComputers` gives for the same target.
 */
export function placeJoiners(input: JoinersInput): Placement {
  const sizes = input.phases.map((_, i) => input.sizes[i] ?? 0);
  return place(
    input.deploymentId,
    input.phases,
    sizes,
    [...new Set(input.joiners)],
    input.groupsOf,
  );
}

/** The hash that orders a deployment's computers for the percentage phases. */
export function placementHash(deploymentId: string, computerId: string): number {
  return stableHash(`${deploymentId}:${computerId}`);
}

/** The earliest phase that names one of the computer's groups; -1: none. */
export function groupPhase(phases: readonly PlacementPhase[], groups: readonly string[]): number {
  if (groups.length === 0) return -1;
  return phases.findIndex((p) => p.groups?.some((g) => groups.includes(g)));
}

/**
 * How many of `count` computers, taken in hash order, each phase takes: phase i up to
 * ceil(percent_i × n) cumulatively, given `sizes` (placed before or by group, mutated
 * by nobody); what no phase takes is unreached.
 */
export function hashShares(
  phases: readonly PlacementPhase[],
  sizes: readonly number[],
  n: number,
  count: number,
): number[] {
  let next = 0;
  let before = 0;
  return phases.map((phase, i) => {
    const here = sizes[i] ?? 0;
    let take = 0;
    if (phase.percent !== undefined) {
      const room = cumulativeCapacity(phase.percent, n) - before - here;
      take = Math.max(0, Math.min(room, count - next));
    }
    next += take;
    before += here + take;
    return take;
  });
}

/** The phase of the computer at `rank` in hash order (0-based), given the shares; -1: unreached. */
export function phaseOfRank(shares: readonly number[], rank: number): number {
  let end = 0;
  for (let i = 0; i < shares.length; i++) {
    end += shares[i] ?? 0;
    if (rank < end) return i;
  }
  return -1;
}

/** Hash order: by hash, then by id (as JavaScript compares strings) when hashes collide. */
export function byHashThenId(a: { h: number; id: string }, b: { h: number; id: string }): number {
  return a.h - b.h || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function place(
  deploymentId: string,
  phases: readonly PlacementPhase[],
  sizes: number[],
  fresh: readonly string[],
  groupsOf: ReadonlyMap<string, readonly string[]> | undefined,
): Placement {
  const n = sizes.reduce((sum, s) => sum + s, 0) + fresh.length;
  const added = new Map<string, number>();

  // 1. Groups: the earliest phase that names one of the computer's groups.
  const rest: string[] = [];
  for (const id of fresh) {
    const index = groupPhase(phases, groupsOf?.get(id) ?? []);
    if (index >= 0) {
      added.set(id, index);
      sizes[index] = (sizes[index] ?? 0) + 1;
    } else rest.push(id);
  }

  // 2. Percentages, by hash rank.
  const ranked = rest.map((id) => ({ id, h: placementHash(deploymentId, id) })).sort(byHashThenId);
  const shares = hashShares(phases, sizes, n, ranked.length);
  let next = 0;
  shares.forEach((take, i) => {
    for (let k = 0; k < take; k++, next++) {
      const r = ranked[next];
      if (!r) break;
      added.set(r.id, i);
      sizes[i] = (sizes[i] ?? 0) + 1;
    }
  });
  return { added, unreached: ranked.slice(next).map((r) => r.id), sizes };
}
