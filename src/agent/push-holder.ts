import { setTimeout as delay } from 'node:timers/promises';
import type { AgentCredential, ServerClient, WakeKind, WakeStatus } from './core/server-client.js';

/** After the server refused the push channel (or before enrollment): try again then. */
export const PUSH_RETRY_MS = 5 * 60_000;
/** The credential went away (enrolling again): look for the new one then. */
const PUSH_WAIT_FOR_ENROLLMENT_MS = 5_000;

export interface PushHolderOptions {
  client: ServerClient;
  /** The current credential, or null while not enrolled. */
  credential: () => Promise<AgentCredential | null>;
  /** Aborting it closes the channel for good. */
  signal: AbortSignal;
  /** "Check in now" from the server (`scan`: and send a full scan). */
  onWake: (kind: WakeKind) => void;
  onStatus: (status: WakeStatus) => void;
  onRefused: (message: string) => void;
}

/** Holds the push channel on real timers until `signal` aborts, reconnecting when refused. */
export async function holdPush(options: PushHolderOptions): Promise<void> {
  const { client, signal } = options;
  const wake = client.wake?.bind(client);
  if (!wake) return;
  const pause = async (ms: number): Promise<void> => {
    await delay(ms, undefined, { signal }).catch(() => undefined);
  };
  while (!signal.aborted) {
    const auth = await options.credential().catch(() => null);
    if (!auth) {
      await pause(PUSH_WAIT_FOR_ENROLLMENT_MS);
      continue;
    }
    try {
      await wake(auth, options.onWake, signal, options.onStatus);
    } catch (error) {
      options.onRefused(error instanceof Error ? error.message : String(error));
      await pause(PUSH_RETRY_MS);
    }
  }
}
