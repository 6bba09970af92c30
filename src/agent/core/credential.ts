import type { DurableStore } from './host.js';
import type { AgentCredential } from './server-client.js';

/** The computer's identity in the agent's durable store, and the enrollment nonce. */

export const CREDENTIAL_KEY = 'credential';
const NONCE_KEY = 'enrollment-nonce';

/** Kept before the first try: the server knows a retry as this agent, not a re-image. */
export async function enrollmentNonce(storage: DurableStore): Promise<string> {
  const kept = await storage.get(NONCE_KEY);
  if (kept) return kept;
  const nonce = `${crypto.randomUUID()}${crypto.randomUUID()}`.replaceAll('-', '');
  await storage.put(NONCE_KEY, nonce);
  return nonce;
}

export async function loadCredential(storage: DurableStore): Promise<AgentCredential | null> {
  const raw = await storage.get(CREDENTIAL_KEY);
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
