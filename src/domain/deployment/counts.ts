import { emptyCounts, statusStates, type StatusState } from '../status.js';

/**
 * Per-phase counts of a deployment's computers, the one computation the engine's
 * gates and the views both read. The store gives grouped rows; this decides what
 * they mean (a computer without a status is pending; a failure is exhausted once
 * it used up the plan's attempts).
 */

/**
 * Computer × update pairs of one phase in one state with the same number of
 * attempts. A deployment of several updates counts pairs: its gates and its
 * completion weigh every update of every computer alike.
 */
export type CountRow = {
  phase: number;
  updateId: string;
  /** null: no status yet (pending). */
  state: StatusState | null;
  attempts: number;
  n: number;
};

export type PhaseTally = {
  size: number;
  counts: Record<StatusState, number>;
  /** Failed computers that will not be assigned the update again. */
  exhausted: number;
};

/** A failure that used up the attempts: final, like an install. */
export function isExhausted(state: StatusState, attempts: number, maxAttempts: number): boolean {
  return state === 'failed' && attempts >= maxAttempts;
}

/** One tally per phase of the plan (phase indexes outside it are ignored). */
export function tallyPhases(
  phaseCount: number,
  rows: readonly CountRow[],
  maxAttempts: number,
): PhaseTally[] {
  const tallies = Array.from({ length: phaseCount }, () => ({
    size: 0,
    counts: emptyCounts(),
    exhausted: 0,
  }));
  for (const row of rows) {
    const tally = tallies[row.phase];
    if (!tally) continue;
    const state = row.state ?? 'pending';
    tally.size += row.n;
    tally.counts[state] += row.n;
    if (isExhausted(state, row.attempts, maxAttempts)) tally.exhausted += row.n;
  }
  return tallies;
}

/** The whole deployment's counts: every phase, and target computers not placed yet (pending). */
export function tallyDeployment(
  phases: readonly PhaseTally[],
  unplaced: number,
): Record<StatusState, number> {
  const counts = emptyCounts();
  counts.pending += unplaced;
  for (const p of phases) for (const s of statusStates) counts[s] += p.counts[s];
  return counts;
}

/** The whole deployment's counts for each of its updates. */
export function tallyByUpdate(
  updateIds: readonly string[],
  rows: readonly CountRow[],
  unplaced: number,
): Map<string, Record<StatusState, number>> {
  const out = new Map(updateIds.map((id) => [id, emptyCounts()]));
  for (const counts of out.values()) counts.pending += unplaced;
  for (const row of rows) {
    const counts = out.get(row.updateId);
    if (counts) counts[row.state ?? 'pending'] += row.n;
  }
  return out;
}
