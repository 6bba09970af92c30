import type { Phase } from './plan.js';

/**
 * Stable phase membership. A computer once assigned to a phase stays there; new
 * computers go first to the earliest phase naming one of their groups, then by the
 * rank of a stable hash of `deploymentId:computerId` into the percentage phases, so
 * that phase i holds up to ceil(percent_i × N) computers cumulatively. The same
 * input gives the same answer in any order, and a growing target never reshuffles.
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

export type MembershipInput = {
  deploymentId: string;
  /** Every computer of the target now, assigned or not. */
  computerIds: readonly string[];
  phases: readonly Pick<Phase, 'name' | 'percent' | 'groups'>[];
  /** computerId → its groups; needed only when phases name groups. */
  groupsOf?: ReadonlyMap<string, readonly string[]>;
  /** computerId → phase index, as already stored; never moved. */
  assigned: ReadonlyMap<string, number>;
};

export type Membership = {
  /** Only the new assignments, computerId → phase index, to store. */
  added: Map<string, number>;
  /** Computers of the target that no phase reaches (no 100% phase and not in any phase group). */
  unreached: string[];
  /** Computers per phase, assigned before or now, among the current target. */
  sizes: number[];
};

export function assignPhases(input: MembershipInput): Membership {
  const { phases, assigned } = input;
  const n = input.computerIds.length;
  const sizes = phases.map(() => 0);
  const added = new Map<string, number>();
  const fresh: string[] = [];

  for (const id of input.computerIds) {
    const at = assigned.get(id);
    if (at !== undefined && at >= 0 && at < phases.length) sizes[at] = (sizes[at] ?? 0) + 1;
    else if (!added.has(id)) fresh.push(id);
  }

  // 1. Groups: the earliest phase that names one of the computer's groups.
  const rest: string[] = [];
  for (const id of fresh) {
    const groups = input.groupsOf?.get(id) ?? [];
    const index =
      groups.length === 0 ? -1 : phases.findIndex((p) => p.groups?.some((g) => groups.includes(g)));
    if (index >= 0) {
      added.set(id, index);
      sizes[index] = (sizes[index] ?? 0) + 1;
    } else rest.push(id);
  }

  // 2. Percentages, by hash rank.
  const ranked = rest
    .map((id) => ({ id, h: stableHash(`${input.deploymentId}:${id}`) }))
    .sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let next = 0;
  let before = 0;
  phases.forEach((phase, i) => {
    const here = sizes[i] ?? 0;
    if (phase.percent !== undefined) {
      const room = cumulativeCapacity(phase.percent, n) - before - here;
      for (let k = 0; k < room && next < ranked.length; k++, next++) {
        const r = ranked[next];
        if (!r) break;
        added.set(r.id, i);
        sizes[i] = (sizes[i] ?? 0) + 1;
      }
    }
    before += sizes[i] ?? 0;
  });
  return { added, unreached: ranked.slice(next).map((r) => r.id), sizes };
}
