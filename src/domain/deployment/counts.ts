import { emptyCounts, statusStates, type StatusState } from '../status.js';
import { assigningStates, type DeploymentState } from './state.js';

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
  /** The newest status time among these pairs (null: none has a status). */
  lastStatusAt?: number | null;
  /** The newest check-in among their computers (null: none checked in). */
  lastSeenAt?: number | null;
};

/** When the computers in one state were last heard of: their status's time and their check-in. */
export type LastHeard = { statusAt: number | null; checkinAt: number | null };

/**
 * What a computer without a status is: pending while the deployment assigns, else
 * cancelled (a halted, revoked or rolled-back deployment gives its agents nothing).
 */
export function noStatusState(deployment: DeploymentState): StatusState {
  return assigningStates.includes(deployment) ? 'pending' : 'cancelled';
}

const later = (a: number | null, b: number | null | undefined): number | null =>
  b === null || b === undefined ? a : a === null || b > a ? b : a;

/** Folds a row's times into the last-heard figures of its state. */
export function noteHeard(
  heard: Partial<Record<StatusState, LastHeard>>,
  state: StatusState,
  row: Pick<CountRow, 'lastStatusAt' | 'lastSeenAt'>,
): void {
  const h = heard[state] ?? { statusAt: null, checkinAt: null };
  heard[state] = {
    statusAt: later(h.statusAt, row.lastStatusAt),
    checkinAt: later(h.checkinAt, row.lastSeenAt),
  };
}

export type PhaseTally = {
  size: number;
  counts: Record<StatusState, number>;
  /** Failed computers that will not be assigned the update again. */
  exhausted: number;
  /** Per state with computers in it: when they were last heard of. */
  lastHeard: Partial<Record<StatusState, LastHeard>>;
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
  noStatus: StatusState = 'pending',
): PhaseTally[] {
  const tallies: PhaseTally[] = Array.from({ length: phaseCount }, () => ({
    size: 0,
    counts: emptyCounts(),
    exhausted: 0,
    lastHeard: {},
  }));
  for (const row of rows) {
    const tally = tallies[row.phase];
    if (!tally) continue;
    const state = row.state ?? noStatus;
    noteHeard(tally.lastHeard, state, row);
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
  noStatus: StatusState = 'pending',
): Record<StatusState, number> {
  const counts = emptyCounts();
  counts[noStatus] += unplaced;
  for (const p of phases) for (const s of statusStates) counts[s] += p.counts[s];
  return counts;
}

/** The whole deployment's counts for each of its updates. */
export function tallyByUpdate(
  updateIds: readonly string[],
  rows: readonly CountRow[],
  unplaced: number,
  noStatus: StatusState = 'pending',
): Map<string, Record<StatusState, number>> {
  const out = new Map(updateIds.map((id) => [id, emptyCounts()]));
  for (const counts of out.values()) counts[noStatus] += unplaced;
  for (const row of rows) {
    const counts = out.get(row.updateId);
    if (counts) counts[row.state ?? noStatus] += row.n;
  }
  return out;
}

/** The whole deployment's last-heard figures per state, from every phase. */
export function lastHeardOf(
  phases: readonly PhaseTally[],
): Partial<Record<StatusState, LastHeard>> {
  const out: Partial<Record<StatusState, LastHeard>> = {};
  for (const p of phases) {
    for (const [state, h] of Object.entries(p.lastHeard) as [StatusState, LastHeard][]) {
      noteHeard(out, state, { lastStatusAt: h.statusAt, lastSeenAt: h.checkinAt });
    }
  }
  return out;
}
