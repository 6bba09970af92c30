import { z } from 'zod';
import { sha256Hex } from './manifest.js';

/**
 * Signed metadata, TUF-style: what tells an agent what to install is signed by the
 * server in four roles. **root** lists the keys and thresholds of every role;
 * **targets** (one per computer) lists its assignments with each file's SHA-256 and
 * size; **snapshot** names the version and hash of that targets metadata; **timestamp**
 * names the version and hash of the snapshot and expires soon. What is signed is the
 * canonical JSON (domain/canonical-json.ts) of `signed`; each signature is ed25519 over
 * its UTF-8 bytes, in hex.
 */

export const metadataRoles = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type MetadataRole = (typeof metadataRoles)[number];

/** A key's id: the SHA-256 of the canonical JSON of `{ keytype, public }`. */
export const keyId = sha256Hex;

export const metadataSignature = z.object({
  keyid: keyId,
  sig: z.string().regex(/^[a-f0-9]{128}$/, { message: 'an ed25519 signature in lowercase hex' }),
});

/**
 * One signed document as it travels. `signed` is kept as sent (no defaults, no
 * stripping): the signature is over exactly what arrived, and only once it verifies
 * is it read as its role's body below.
 */
export const signedEnvelope = z.object({
  signed: z.record(z.string(), z.unknown()),
  signatures: z.array(metadataSignature).max(16),
});
export type SignedEnvelope = z.infer<typeof signedEnvelope>;

const version = z.number().int().positive();
const expires = z.iso.datetime({ offset: true });

export const publicKey = z.object({
  keytype: z.literal('ed25519'),
  /** The raw 32-byte public key, hex. */
  public: z.string().regex(/^[a-f0-9]{64}$/),
});
export type PublicKey = z.infer<typeof publicKey>;

export const roleKeys = z.object({
  keyids: z.array(keyId).min(1),
  threshold: z.number().int().positive(),
});
export type RoleKeys = z.infer<typeof roleKeys>;

export const rootBody = z.object({
  _type: z.literal('root'),
  version,
  expires,
  keys: z.record(keyId, publicKey),
  roles: z.object({
    root: roleKeys,
    targets: roleKeys,
    snapshot: roleKeys,
    timestamp: roleKeys,
  }),
});
export type RootBody = z.infer<typeof rootBody>;

/** What one signed document says of the next one down: its version and hash. */
export const metaReference = z.object({ version, sha256: sha256Hex });
export type MetaReference = z.infer<typeof metaReference>;

export const timestampBody = z.object({
  _type: z.literal('timestamp'),
  computerId: z.string(),
  version,
  expires,
  snapshot: metaReference,
});
export type TimestampBody = z.infer<typeof timestampBody>;

export const snapshotBody = z.object({
  _type: z.literal('snapshot'),
  computerId: z.string(),
  version,
  expires,
  targets: metaReference,
});
export type SnapshotBody = z.infer<typeof snapshotBody>;

/** One assignment as targets names it; `sha256` is the hash of the whole assignment's canonical JSON. */
export const targetEntry = z.object({
  deploymentId: z.string(),
  updateId: z.string(),
  action: z.enum(['install', 'uninstall']),
  sha256: sha256Hex,
  files: z.array(z.object({ path: z.string(), sha256: sha256Hex, size: z.number().int() })),
});
export type TargetEntry = z.infer<typeof targetEntry>;

export const targetsBody = z.object({
  _type: z.literal('targets'),
  computerId: z.string(),
  version,
  expires,
  assignments: z.array(targetEntry),
});
export type TargetsBody = z.infer<typeof targetsBody>;

/** What a check-in answer carries besides its assignments, for the agent to verify them. */
export const checkinMetadata = z.object({
  /** The server's newest root version: an agent behind it fetches the chain. */
  rootVersion: version,
  timestamp: signedEnvelope,
  snapshot: signedEnvelope,
  targets: signedEnvelope,
});
export type CheckinMetadata = z.infer<typeof checkinMetadata>;

/**
 * Why an agent refused a check-in answer: `unsigned` (no metadata), `bad-signature`
 * (a signature that does not verify, an unknown key, fewer than the threshold),
 * `rollback` (a version older than one it accepted, or one it accepted with other
 * content), `freeze` (expired by the agent's clock), `mix-and-match` (an assignment,
 * file or document that is not the one the signed chain names), `bad-root` (the root
 * chain does not verify).
 */
export const rejectionReasons = [
  'unsigned',
  'bad-signature',
  'rollback',
  'freeze',
  'mix-and-match',
  'bad-root',
] as const;
export type RejectionReason = (typeof rejectionReasons)[number];

/** A rejection, as the agent tells it at its next check-in (retold until an answer verifies). */
export const rejection = z.object({
  /** Chosen by the agent: a retold rejection is stored once. */
  id: z
    .string()
    .min(8)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/),
  reason: z.enum(rejectionReasons),
  role: z.enum(metadataRoles).nullable(),
  detail: z.string().max(500),
  at: z.iso.datetime({ offset: true }),
});
export type Rejection = z.infer<typeof rejection>;
