import type { Assignment } from '../../contracts/agent-protocol.js';
import {
  rootBody,
  snapshotBody,
  targetsBody,
  timestampBody,
  type CheckinMetadata,
  type MetaReference,
  type MetadataRole,
  type RejectionReason,
  type RootBody,
  type SignedEnvelope,
} from '../../contracts/metadata.js';
import { canonicalJson } from '../../domain/canonical-json.js';

/**
 * The agent's verification of signed metadata, free of I/O: given what it trusts
 * (the pinned root and the last versions it accepted), a check-in answer's metadata
 * and assignments, the time, and the two crypto operations, it says yes (with what to
 * trust next) or no (with why). See contracts/metadata.ts for the roles.
 */

/** The two operations verification needs; the agent's shell gives node:crypto's. */
export interface TrustCrypto {
  /** Whether `signatureHex` is an ed25519 signature of `message` (UTF-8) by `publicKeyHex`. */
  verify(publicKeyHex: string, message: string, signatureHex: string): boolean;
  /** SHA-256 of `text` (UTF-8), lowercase hex. */
  sha256(text: string): string;
}

/** What the agent last accepted for one role: a version never goes back. */
export interface Seen {
  version: number;
  sha256: string;
}

export interface TrustState {
  /** The newest root it trusts (pinned at enrollment, advanced along the chain). */
  root: SignedEnvelope;
  timestamp: Seen | null;
  snapshot: Seen | null;
  targets: Seen | null;
}

export interface Refusal {
  reason: RejectionReason;
  role: MetadataRole | null;
  detail: string;
}

export type Verdict = { ok: true; state: TrustState } | ({ ok: false } & Refusal);

const refuse = (reason: RejectionReason, role: MetadataRole | null, detail: string) =>
  ({ ok: false, reason, role, detail }) as const;

/** The hash by which one document names another: of its canonical JSON, signatures and all. */
export function envelopeHash(envelope: SignedEnvelope, crypto: TrustCrypto): string {
  return crypto.sha256(canonicalJson(envelope));
}

/** The hash targets gives one assignment: of its canonical JSON. */
export function assignmentHash(assignment: Assignment, crypto: TrustCrypto): string {
  return crypto.sha256(canonicalJson(assignment));
}

/**
 * Null when at least `threshold` distinct keys of `role` (as `root` lists them) signed
 * `envelope`; otherwise why not.
 */
export function checkSignatures(
  root: RootBody,
  role: MetadataRole,
  envelope: SignedEnvelope,
  crypto: TrustCrypto,
): string | null {
  const { keyids, threshold } = root.roles[role];
  const message = canonicalJson(envelope.signed);
  const good = new Set<string>();
  for (const { keyid, sig } of envelope.signatures) {
    if (!keyids.includes(keyid) || good.has(keyid)) continue;
    const key = root.keys[keyid];
    if (key && crypto.verify(key.public, message, sig)) good.add(keyid);
  }
  if (good.size >= threshold) return null;
  return `${role}: ${good.size} valid signature(s) of root ${root.version}'s ${role} keys, ${threshold} needed`;
}

/** A root read as one, or why it is not. */
function readRoot(envelope: SignedEnvelope): RootBody | string {
  const parsed = rootBody.safeParse(envelope.signed);
  return parsed.success ? parsed.data : `not a root: ${parsed.error.issues[0]?.message ?? ''}`;
}

/**
 * The root to pin at enrollment: it must be signed by its own root keys (the answer
 * came over the pinned TLS channel; this catches damage, not a lying server).
 */
export function pinRoot(envelope: SignedEnvelope, crypto: TrustCrypto): Verdict {
  const root = readRoot(envelope);
  if (typeof root === 'string') return refuse('bad-root', 'root', root);
  const bad = checkSignatures(root, 'root', envelope, crypto);
  if (bad) return refuse('bad-root', 'root', bad);
  return { ok: true, state: { root: envelope, timestamp: null, snapshot: null, targets: null } };
}

/**
 * Walks the root chain: each next root must be version + 1 and signed by the root keys
 * of the one before and by its own. The state keeps the versions accepted so far.
 */
export function advanceRoot(
  state: TrustState,
  chain: readonly SignedEnvelope[],
  crypto: TrustCrypto,
): Verdict {
  let current = state.root;
  for (const next of chain) {
    const trusted = readRoot(current);
    const candidate = readRoot(next);
    if (typeof trusted === 'string') return refuse('bad-root', 'root', trusted);
    if (typeof candidate === 'string') return refuse('bad-root', 'root', candidate);
    if (candidate.version !== trusted.version + 1) {
      return refuse(
        'bad-root',
        'root',
        `root ${candidate.version} does not follow root ${trusted.version}`,
      );
    }
    const byOld = checkSignatures(trusted, 'root', next, crypto);
    if (byOld) return refuse('bad-root', 'root', `root ${candidate.version}: ${byOld}`);
    const byNew = checkSignatures(candidate, 'root', next, crypto);
    if (byNew) return refuse('bad-root', 'root', `root ${candidate.version}: ${byNew}`);
    current = next;
  }
  return { ok: true, state: { ...state, root: current } };
}

/** The version of the root the state trusts. */
export function rootVersion(state: TrustState): number {
  const root = readRoot(state.root);
  return typeof root === 'string' ? 0 : root.version;
}

type Body = { computerId: string; version: number; expires: string };

/**
 * One role's document: signed (unless it is byte for byte the one accepted last under
 * the same root), for this computer, not older than the last accepted, not expired,
 * and the one its parent names.
 */
function checkRole<T extends Body>(
  role: 'timestamp' | 'snapshot' | 'targets',
  envelope: SignedEnvelope,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  context: {
    root: RootBody;
    rootChanged: boolean;
    seen: Seen | null;
    named: MetaReference | null;
    computerId: string;
    now: number;
    crypto: TrustCrypto;
  },
): { body: T; seen: Seen } | Refusal {
  const { root, seen, named, crypto } = context;
  const sha256 = envelopeHash(envelope, crypto);
  if (named && (named.sha256 !== sha256 || named.version !== envelope.signed['version'])) {
    return {
      reason: 'mix-and-match',
      role,
      detail: `${role} is not the one the signed chain names (version ${named.version})`,
    };
  }
  if (context.rootChanged || seen?.sha256 !== sha256) {
    const bad = checkSignatures(root, role, envelope, crypto);
    if (bad) return { reason: 'bad-signature', role, detail: bad };
  }
  const parsed = schema.safeParse(envelope.signed);
  if (!parsed.success) return { reason: 'bad-signature', role, detail: `${role}: not a ${role}` };
  const body = parsed.data;
  if (body.computerId !== context.computerId) {
    return { reason: 'mix-and-match', role, detail: `${role} is for computer ${body.computerId}` };
  }
  if (seen && body.version < seen.version) {
    return {
      reason: 'rollback',
      role,
      detail: `${role} version ${body.version} is older than ${seen.version}, accepted before`,
    };
  }
  if (seen && body.version === seen.version && seen.sha256 !== sha256) {
    return {
      reason: 'rollback',
      role,
      detail: `${role} version ${body.version} was accepted before with other content`,
    };
  }
  const expiresAt = Date.parse(body.expires);
  if (!(expiresAt > context.now)) {
    return {
      reason: 'freeze',
      role,
      detail: `${role} version ${body.version} expired ${body.expires}`,
    };
  }
  return { body, seen: { version: body.version, sha256 } };
}

const isRefusal = (value: object): value is Refusal => 'reason' in value;

/**
 * A check-in answer's metadata and assignments against what the agent trusts (its root
 * already advanced to `metadata.rootVersion` when the chain allowed). Accepted: the new
 * state to keep. Refused: why; nothing of the answer may be acted on.
 */
export function verifyCheckin(input: {
  state: TrustState;
  rootChanged: boolean;
  metadata: CheckinMetadata | undefined;
  assignments: readonly Assignment[];
  computerId: string;
  now: number;
  crypto: TrustCrypto;
}): Verdict {
  const { state, metadata, crypto } = input;
  if (!metadata) return refuse('unsigned', null, 'the answer carries no signed metadata');
  const root = readRoot(state.root);
  if (typeof root === 'string') return refuse('bad-root', 'root', root);
  if (!(Date.parse(root.expires) > input.now)) {
    return refuse('freeze', 'root', `root version ${root.version} expired ${root.expires}`);
  }
  if (metadata.rootVersion > root.version) {
    return refuse('bad-root', 'root', `root ${metadata.rootVersion} is not trusted yet`);
  }
  const context = {
    root,
    rootChanged: input.rootChanged,
    computerId: input.computerId,
    now: input.now,
    crypto,
  };
  const timestamp = checkRole('timestamp', metadata.timestamp, timestampBody, {
    ...context,
    seen: state.timestamp,
    named: null,
  });
  if (isRefusal(timestamp)) return { ok: false, ...timestamp };
  const snapshot = checkRole('snapshot', metadata.snapshot, snapshotBody, {
    ...context,
    seen: state.snapshot,
    named: timestamp.body.snapshot,
  });
  if (isRefusal(snapshot)) return { ok: false, ...snapshot };
  const targets = checkRole('targets', metadata.targets, targetsBody, {
    ...context,
    seen: state.targets,
    named: snapshot.body.targets,
  });
  if (isRefusal(targets)) return { ok: false, ...targets };

  const unmatched = matchAssignments(input.assignments, targets.body.assignments, crypto);
  if (unmatched) return refuse('mix-and-match', 'targets', unmatched);
  return {
    ok: true,
    state: { ...state, timestamp: timestamp.seen, snapshot: snapshot.seen, targets: targets.seen },
  };
}

/** Null when the assignments are exactly those targets lists; otherwise the first difference. */
function matchAssignments(
  assignments: readonly Assignment[],
  signed: readonly {
    deploymentId: string;
    updateId: string;
    sha256: string;
    action: string;
    files: { path: string; sha256: string; size: number }[];
  }[],
  crypto: TrustCrypto,
): string | null {
  if (assignments.length !== signed.length) {
    return `${assignments.length} assignment(s) given, ${signed.length} signed`;
  }
  const byKey = new Map(signed.map((s) => [`${s.deploymentId}\u0000${s.updateId}`, s]));
  for (const a of assignments) {
    const name = `${a.updateId} (deployment ${a.deploymentId})`;
    const entry = byKey.get(`${a.deploymentId}\u0000${a.updateId}`);
    if (!entry) return `assignment ${name} is not in the signed targets`;
    if (entry.action !== a.action) return `assignment ${name}: ${a.action}, signed ${entry.action}`;
    const files = canonicalJson(
      a.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
    );
    if (files !== canonicalJson(entry.files)) {
      return `assignment ${name}: its files (hash or size) are not the signed ones`;
    }
    if (assignmentHash(a, crypto) !== entry.sha256) {
      return `assignment ${name} differs from the signed one`;
    }
    byKey.delete(`${a.deploymentId}\u0000${a.updateId}`);
  }
  return null;
}
