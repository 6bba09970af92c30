import { checkinResponse, type CheckinResponse } from '../../contracts/agent-protocol.js';
import type { DurableStore } from './host.js';

const KEY = 'idle-answer';

/**
 * The last idle answer the agent accepted (one with an `answerTag`), kept in the state
 * dir: its tag goes with every check-in, and a 204 answer means "this one again". The
 * agent verifies it again each time, so an expired one is refused like any other.
 */
export async function loadIdleAnswer(store: DurableStore): Promise<CheckinResponse | null> {
  const raw = await store.get(KEY);
  if (raw === null) return null;
  try {
    const parsed = checkinResponse.safeParse(JSON.parse(raw));
    return parsed.success && parsed.data.answerTag !== undefined ? parsed.data : null;
  } catch {
    return null;
  }
}

/** After an accepted answer: keep it when it is idle and new, forget the old one otherwise. */
export async function noteAnswerTaken(
  store: DurableStore,
  held: CheckinResponse | null,
  answer: CheckinResponse,
): Promise<void> {
  if (answer.answerTag === undefined) {
    if (held) await store.delete(KEY);
  } else if (answer.answerTag !== held?.answerTag) {
    await store.put(KEY, JSON.stringify(answer));
  }
}

export async function forgetIdleAnswer(store: DurableStore): Promise<void> {
  await store.delete(KEY);
}
