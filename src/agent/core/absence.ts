import type { Absence } from '../../contracts/agent-protocol.js';
import type { DurableStore } from './host.js';

/**
 * The agent's absences (times it could not check in, and why), kept until a check-in
 * carries them to the server (`checkinRequest.absences`), so the server can tell a
 * stopped agent or a network cut apart from a computer that was off. Pure functions of
 * the state and the injected time; `loadAbsences`/`saveAbsences` store it through the
 * host's durable storage.
 */
export interface AbsenceState {
  /** A clean stop (SIGTERM/SIGINT), not yet matched with a start. */
  stop: { at: string; detail: string } | null;
  /** The first failed check-in of the current outage, and its error. */
  unreachable: { since: string; detail: string } | null;
  /** Finished absences not yet accepted by the server, oldest first. */
  absences: Absence[];
}

const ABSENCES_KEY = 'absences';
/** Where agents before 0.2 kept it: read once, then written under the new key. */
const OLD_KEY = 'away';
/** The contract's cap per check-in; the oldest go first when more pile up. */
export const MAX_ABSENCES = 100;
const MAX_DETAIL = 500;

export function emptyAbsences(): AbsenceState {
  return { stop: null, unreachable: null, absences: [] };
}

/** The agent stops cleanly: remember when and why. */
export function noteStop(state: AbsenceState, at: Date, detail: string): AbsenceState {
  return { ...state, stop: { at: at.toISOString(), detail: clip(detail) } };
}

/** The agent starts: a remembered stop becomes an `agent-stopped` absence. */
export function noteStart(state: AbsenceState, at: Date): AbsenceState {
  if (!state.stop) return state;
  const stopped: Absence = {
    kind: 'agent-stopped',
    from: state.stop.at,
    to: laterOf(state.stop.at, at),
    detail: state.stop.detail,
  };
  return { ...state, stop: null, absences: capped([...state.absences, stopped]) };
}

/** What the next check-in carries: the stored absences and an outage ending now. */
export function absencesToSend(state: AbsenceState, now: Date): Absence[] {
  if (!state.unreachable) return state.absences;
  const outage: Absence = {
    kind: 'server-unreachable',
    from: state.unreachable.since,
    to: laterOf(state.unreachable.since, now),
    detail: state.unreachable.detail,
  };
  return capped([...state.absences, outage]);
}

/** The check-in carrying `absencesToSend` succeeded: they are delivered. */
export function noteCheckinOk(state: AbsenceState): AbsenceState {
  if (!state.unreachable && state.absences.length === 0) return state;
  return { ...state, unreachable: null, absences: [] };
}

/** A check-in failed because the server could not be reached: the first one counts. */
export function noteUnreachable(state: AbsenceState, at: Date, detail: string): AbsenceState {
  if (state.unreachable) return state;
  return { ...state, unreachable: { since: at.toISOString(), detail: clip(detail) } };
}

export async function loadAbsences(store: DurableStore): Promise<AbsenceState> {
  const raw = (await store.get(ABSENCES_KEY)) ?? (await store.get(OLD_KEY));
  if (!raw) return emptyAbsences();
  try {
    const value = JSON.parse(raw) as Partial<AbsenceState> & { events?: unknown };
    const absences = value.absences ?? value.events;
    return {
      stop: value.stop ?? null,
      unreachable: value.unreachable ?? null,
      absences: Array.isArray(absences) ? (absences as Absence[]) : [],
    };
  } catch {
    return emptyAbsences();
  }
}

export async function saveAbsences(store: DurableStore, state: AbsenceState): Promise<void> {
  await store.put(ABSENCES_KEY, JSON.stringify(state));
  await store.delete(OLD_KEY);
}

function capped(absences: Absence[]): Absence[] {
  return absences.length > MAX_ABSENCES ? absences.slice(-MAX_ABSENCES) : absences;
}

function clip(text: string): string {
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

/** `to` never before `from`, even when a clock stepped back. */
function laterOf(from: string, to: Date): string {
  return Date.parse(from) > to.getTime() ? from : to.toISOString();
}
