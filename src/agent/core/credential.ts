import type { DurableStore } from './host.js';
import type { AgentCredential } from './server-client.js';

/** The computer's credential and the enrollment nonce, in the agent's durable store. */

export const CREDENTIAL_KEY = 'credential';
const NONCE_KEY = 'enrollment-nonce';

export async function loadCredential(store: DurableStore): Promise<AgentCredential | null> {
  const raw = await store.get(CREDENTIAL_KEY);
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<AgentCredential>;
    if (typeof value.computerId === 'string' && typeof value.credential === 'string') {
      return { computerId: value.computerId, credential: value.credential };
    }
  } catch {
    // A damaged credential file is as good as none: enroll again.
  }
  return null;
}

export async function saveCredential(store: DurableStore, auth: AgentCredential): Promise<void> {
  await store.put(CREDENTIAL_KEY, JSON.stringify(auth));
}

export async function forgetCredential(store: DurableStore): Promise<void> {
  await store.delete(CREDENTIAL_KEY);
}

/** Kept before the first try: the server knows a retry as this agent, not a re-image. */
export async function enrollmentNonce(store: DurableStore): Promise<string> {
  const kept = await store.get(NONCE_KEY);
  if (kept) return kept;
  const nonce = `${crypto.randomUUID()}${crypto.randomUUID()}`.replaceAll('-', '');
  await store.put(NONCE_KEY, nonce);
  return nonce;
}
