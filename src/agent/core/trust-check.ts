import type { CheckinResponse, EnrollResponse } from '../../contracts/agent-protocol.js';
import type { Rejection, SignedEnvelope } from '../../contracts/metadata.js';
import type { DurableStore } from './host.js';
import type { AgentCredential, ServerClient } from './server-client.js';
import {
  advanceRoot,
  pinRoot,
  rootVersion,
  verifyCheckin,
  type Refusal,
  type TrustCrypto,
  type TrustState,
} from './trust.js';

/**
 * The agent core's side of signed metadata, around the pure checks of trust.ts: the
 * pinned root and the versions accepted (durable, so a restart cannot be rolled back),
 * the root chain fetched when the server has a newer root, and the rejections kept
 * until an answer verifies (the server stores each once, by its id).
 */

const TRUST_KEY = 'trust';
const REJECTIONS_KEY = 'rejections';
/** The most rejections kept to tell: the newest. */
const MAX_REJECTIONS = 20;
/** The longest root chain walked in one cycle. */
const MAX_CHAIN = 100;

export async function loadTrust(store: DurableStore): Promise<TrustState | null> {
  const raw = await store.get(TRUST_KEY);
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<TrustState>;
    if (value.root && typeof value.root === 'object') {
      return {
        root: value.root,
        timestamp: value.timestamp ?? null,
        snapshot: value.snapshot ?? null,
        targets: value.targets ?? null,
      };
    }
  } catch {
    // Writes are atomic: this is outside damage. Nothing is trusted, so nothing installs.
  }
  return null;
}

export async function saveTrust(store: DurableStore, state: TrustState): Promise<void> {
  await store.put(TRUST_KEY, JSON.stringify(state));
}

export async function loadRejections(store: DurableStore): Promise<Rejection[]> {
  const raw = await store.get(REJECTIONS_KEY);
  if (!raw) return [];
  try {
    const value = JSON.parse(raw) as unknown;
    return Array.isArray(value) ? (value as Rejection[]) : [];
  } catch {
    return [];
  }
}

export async function addRejection(
  store: DurableStore,
  refusal: Refusal,
  at: Date,
): Promise<Rejection> {
  const rejection: Rejection = {
    id: crypto.randomUUID().replaceAll('-', ''),
    reason: refusal.reason,
    role: refusal.role,
    detail: refusal.detail.slice(0, 500),
    at: at.toISOString(),
  };
  const kept = [...(await loadRejections(store)), rejection].slice(-MAX_REJECTIONS);
  await store.put(REJECTIONS_KEY, JSON.stringify(kept));
  return rejection;
}

export async function clearRejections(store: DurableStore): Promise<void> {
  await store.delete(REJECTIONS_KEY);
}

/** Pins the root the enrollment answer carries; a refusal when it does not verify. */
export async function pinEnrolledRoot(
  store: DurableStore,
  answer: EnrollResponse,
  crypto: TrustCrypto,
): Promise<Refusal | null> {
  if (!answer.root) return null;
  const verdict = pinRoot(answer.root, crypto);
  if (!verdict.ok) return verdict;
  await saveTrust(store, verdict.state);
  return null;
}

/**
 * Verifies a check-in answer. Null: accepted (the new versions are stored first).
 * An agent enrolled before the server signed has no root yet: it pins root 1 from the
 * server (over the pinned TLS channel) and walks the chain from there.
 */
export async function checkAnswer(input: {
  store: DurableStore;
  client: ServerClient;
  auth: AgentCredential;
  answer: CheckinResponse;
  now: Date;
  crypto: TrustCrypto;
}): Promise<Refusal | null> {
  const { store, client, crypto, answer } = input;
  let state = await loadTrust(store);
  let rootChanged = false;
  if (!state) {
    const first = await fetchRoot(client, 1);
    if (typeof first === 'string') return { reason: 'bad-root', role: 'root', detail: first };
    const pinned = pinRoot(first, crypto);
    if (!pinned.ok) return pinned;
    state = pinned.state;
    rootChanged = true;
  }
  const wanted = answer.metadata?.rootVersion ?? 0;
  const have = rootVersion(state);
  if (wanted > have) {
    if (wanted - have > MAX_CHAIN) {
      return {
        reason: 'bad-root',
        role: 'root',
        detail: `root ${wanted} is too far ahead of ${have}`,
      };
    }
    const chain: SignedEnvelope[] = [];
    for (let v = have + 1; v <= wanted; v++) {
      const next = await fetchRoot(client, v);
      if (typeof next === 'string') return { reason: 'bad-root', role: 'root', detail: next };
      chain.push(next);
    }
    const walked = advanceRoot(state, chain, crypto);
    if (!walked.ok) return walked;
    state = walked.state;
    rootChanged = true;
  }
  const verdict = verifyCheckin({
    state,
    rootChanged,
    metadata: answer.metadata,
    assignments: answer.assignments,
    computerId: input.auth.computerId,
    now: input.now.getTime(),
    crypto,
  });
  if (!verdict.ok) {
    // A root walked along a verified chain stays trusted even when this answer is refused.
    if (rootChanged) await saveTrust(store, state);
    return verdict;
  }
  await saveTrust(store, verdict.state);
  return null;
}

async function fetchRoot(client: ServerClient, version: number): Promise<SignedEnvelope | string> {
  if (!client.root) return 'this client cannot fetch the root';
  try {
    return await client.root(version);
  } catch (error) {
    return `root ${version} could not be fetched: ${error instanceof Error ? error.message : String(error)}`;
  }
}
