import type { AgentEvent } from '../../contracts/agent-protocol.js';
import type { DurableStore } from './host.js';

/**
 * What the agent saw while it could not check in, kept until a check-in carries it to
 * the server (`checkinRequest.events`), so the server can tell a stopped agent or a
 * network cut apart from a computer that was off. Pure functions of the state and the
 * injected time; `loadAway`/`saveAway` store it through the host's durable storage.
 */
export interface AwayState {
  /** A clean stop (SIGTERM/SIGINT), not yet matched with a start. */
  stop: { at: string; detail: string } | null;
  /** The first failed check-in of the current outage, and its error. */
  unreachable: { since: string; detail: string } | null;
  /** Finished events not yet accepted by the server, oldest first. */
  events: AgentEvent[];
}

const AWAY_KEY = 'away';
/** The contract's cap per check-in; the oldest go first when more pile up. */
export const MAX_EVENTS = 100;
const MAX_DETAIL = 500;

export function emptyAway(): AwayState {
  return { stop: null, unreachable: null, events: [] };
}

/** The agent stops cleanly: remember when and why. */
export function noteStop(state: AwayState, at: Date, detail: string): AwayState {
  return { ...state, stop: { at: at.toISOString(), detail: clip(detail) } };
}

/** The agent starts: a remembered stop becomes an `agent-stopped` event. */
export function noteStart(state: AwayState, at: Date): AwayState {
  if (!state.stop) return state;
  const event: AgentEvent = {
    kind: 'agent-stopped',
    from: state.stop.at,
    to: laterOf(state.stop.at, at),
    detail: state.stop.detail,
  };
  return { ...state, stop: null, events: capped([...state.events, event]) };
}

/** What the next check-in carries: the stored events and an outage ending now. */
export function eventsToSend(state: AwayState, now: Date): AgentEvent[] {
  if (!state.unreachable) return state.events;
  const outage: AgentEvent = {
    kind: 'server-unreachable',
    from: state.unreachable.since,
    to: laterOf(state.unreachable.since, now),
    detail: state.unreachable.detail,
  };
  return capped([...state.events, outage]);
}

/** The check-in carrying `eventsToSend` succeeded: they are delivered. */
export function noteCheckinOk(state: AwayState): AwayState {
  if (!state.unreachable && state.events.length === 0) return state;
  return { ...state, unreachable: null, events: [] };
}

/** A check-in failed because the server could not be reached: the first one counts. */
export function noteUnreachable(state: AwayState, at: Date, detail: string): AwayState {
  if (state.unreachable) return state;
  return { ...state, unreachable: { since: at.toISOString(), detail: clip(detail) } };
}

export async function loadAway(store: DurableStore): Promise<AwayState> {
  const raw = await store.get(AWAY_KEY);
  if (!raw) return emptyAway();
  try {
    const value = JSON.parse(raw) as Partial<AwayState>;
    return {
      stop: value.stop ?? null,
      unreachable: value.unreachable ?? null,
      events: Array.isArray(value.events) ? value.events : [],
    };
  } catch {
    return emptyAway();
  }
}

export async function saveAway(store: DurableStore, state: AwayState): Promise<void> {
  await store.put(AWAY_KEY, JSON.stringify(state));
}

function capped(events: AgentEvent[]): AgentEvent[] {
  return events.length > MAX_EVENTS ? events.slice(-MAX_EVENTS) : events;
}

function clip(text: string): string {
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

/** `to` never before `from`, even when a clock stepped back. */
function laterOf(from: string, to: Date): string {
  return Date.parse(from) > to.getTime() ? from : to.toISOString();
}
