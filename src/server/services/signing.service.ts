import type { Assignment } from '../../contracts/agent-protocol.js';
import type { KeysView } from '../../contracts/key-routes.js';
import {
  signedEnvelope,
  type CheckinMetadata,
  type SignedEnvelope,
  type TargetEntry,
} from '../../contracts/metadata.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import type { Clock } from '../../domain/clock.js';
import { NotFoundError } from '../../domain/errors.js';
import type { SignedMetadataRecord, SigningRepository } from '../../store/signing.repository.js';
import { sha256Text, signEnvelope, type SigningKey } from '../signing/ed25519.js';
import { KeyringStore, type Keyring } from '../signing/keyring.js';

/** How long each signed document is good for; each is re-signed once half of it is gone. */
export const TIMESTAMP_LIFETIME_MS = 24 * 3600_000;
export const TARGETS_LIFETIME_MS = 7 * 24 * 3600_000;
/** Concurrent check-ins of one computer (two replicas) retry a lost compare-and-set. */
const MAX_TRIES = 5;

type Documents = { timestamp: SignedEnvelope; snapshot: SignedEnvelope; targets: SignedEnvelope };

/**
 * Signs what tells each computer what to install: its targets (assignments, each
 * file's SHA-256 and size), the snapshot naming that targets, the timestamp naming the
 * snapshot. Versions are per computer and live in the database (every replica, every
 * restart). Unchanged assignments reuse the stored signatures: most check-ins sign
 * nothing; only the timestamp is re-signed as it nears its expiry.
 */
export class SigningService {
  readonly keyring: KeyringStore;

  constructor(
    private readonly repo: SigningRepository,
    private readonly clock: Clock,
  ) {
    this.keyring = new KeyringStore(repo, clock);
  }

  /** The newest root, pinned by an agent at enrollment. */
  async latestRoot(): Promise<SignedEnvelope> {
    return (await this.keyring.current()).root;
  }

  async root(version: number): Promise<SignedEnvelope> {
    const found = await this.repo.root(version);
    if (!found) throw new NotFoundError('root version', String(version));
    return signedEnvelope.parse(JSON.parse(found.body));
  }

  /** The version of the newest root (re-read every few seconds, see KeyringStore). */
  async rootVersion(): Promise<number> {
    return (await this.keyring.current()).body.version;
  }

  /**
   * Until when forCheckin gives this metadata again rather than signing anew (while
   * neither its timestamp nor its targets is half through its life): an answer that
   * carries it may be reused until then.
   */
  reusableUntil(metadata: CheckinMetadata): number {
    const expiry = (e: SignedEnvelope) => Date.parse(String(e.signed.expires));
    return Math.min(
      expiry(metadata.timestamp) - TIMESTAMP_LIFETIME_MS / 2,
      expiry(metadata.targets) - TARGETS_LIFETIME_MS / 2,
    );
  }

  /** The signed metadata of one check-in answer with these assignments. */
  async forCheckin(
    computerId: string,
    assignments: readonly Assignment[],
    now: number,
  ): Promise<CheckinMetadata> {
    let ring = await this.keyring.current();
    const entries: TargetEntry[] = assignments.map((a) => ({
      deploymentId: a.deploymentId,
      updateId: a.updateId,
      action: a.action,
      sha256: sha256Text(canonicalJson(a)),
      files: a.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
    }));
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      const row = await this.repo.metadataFor(computerId);
      if (row && row.rootVersion > ring.body.version) ring = await this.keyring.reload();
      const contentHash = sha256Text(
        canonicalJson({ entries, keys: [ring.online.targets.keyid, ring.online.snapshot.keyid] }),
      );
      const fresh =
        row &&
        row.contentHash === contentHash &&
        row.rootVersion === ring.body.version &&
        row.timestampExpiresAt - now > TIMESTAMP_LIFETIME_MS / 2 &&
        row.targetsExpiresAt - now > TARGETS_LIFETIME_MS / 2;
      if (fresh) {
        return { rootVersion: ring.body.version, ...(JSON.parse(row.body) as Documents) };
      }
      const next = this.sign(ring, computerId, entries, contentHash, row, now);
      if (await this.repo.saveMetadata(next.record, row?.timestampVersion ?? null)) {
        return { rootVersion: ring.body.version, ...next.documents };
      }
    }
    throw new Error(`signed metadata of ${computerId}: too many concurrent check-ins`);
  }

  private sign(
    ring: Keyring,
    computerId: string,
    entries: TargetEntry[],
    contentHash: string,
    row: SignedMetadataRecord | undefined,
    now: number,
  ): { record: SignedMetadataRecord; documents: Documents } {
    const old = row ? (JSON.parse(row.body) as Documents) : null;
    const keepTargets =
      old !== null &&
      row !== undefined &&
      row.contentHash === contentHash &&
      row.rootVersion === ring.body.version &&
      row.targetsExpiresAt - now > TARGETS_LIFETIME_MS / 2;
    let targets: SignedEnvelope;
    let snapshot: SignedEnvelope;
    let targetsVersion = row?.targetsVersion ?? 0;
    let snapshotVersion = row?.snapshotVersion ?? 0;
    let targetsExpiresAt = row?.targetsExpiresAt ?? 0;
    if (keepTargets) {
      targets = old.targets;
      snapshot = old.snapshot;
    } else {
      targetsVersion += 1;
      snapshotVersion += 1;
      targetsExpiresAt = now + TARGETS_LIFETIME_MS;
      const expires = new Date(targetsExpiresAt).toISOString();
      targets = signEnvelope(
        { _type: 'targets', computerId, version: targetsVersion, expires, assignments: entries },
        [ring.online.targets],
      );
      snapshot = signEnvelope(
        {
          _type: 'snapshot',
          computerId,
          version: snapshotVersion,
          expires,
          targets: { version: targetsVersion, sha256: sha256Text(canonicalJson(targets)) },
        },
        [ring.online.snapshot],
      );
    }
    const timestampVersion = (row?.timestampVersion ?? 0) + 1;
    const timestampExpiresAt = now + TIMESTAMP_LIFETIME_MS;
    const timestamp = signEnvelope(
      {
        _type: 'timestamp',
        computerId,
        version: timestampVersion,
        expires: new Date(timestampExpiresAt).toISOString(),
        snapshot: { version: snapshotVersion, sha256: sha256Text(canonicalJson(snapshot)) },
      },
      [ring.online.timestamp],
    );
    const documents = { timestamp, snapshot, targets };
    return {
      documents,
      record: {
        computerId,
        contentHash,
        rootVersion: ring.body.version,
        targetsVersion,
        snapshotVersion,
        timestampVersion,
        targetsExpiresAt,
        timestampExpiresAt,
        body: JSON.stringify(documents),
      },
    };
  }

  /** The key that signs what to install (targets); bundles for another server too. */
  async targetsKey(): Promise<SigningKey> {
    return (await this.keyring.current()).online.targets;
  }

  /** The keys and roles of the newest root, and which private keys the server holds. */
  async show(): Promise<KeysView> {
    return keysView(await this.keyring.reload());
  }

  async exportRoot(remove: boolean) {
    const exported = await this.keyring.exportRoot(remove);
    return { ...exported, removed: remove };
  }

  async rotateRoot(input: { rootKey?: string | undefined; replaceOnlineKeys: boolean }) {
    return keysView(
      await this.keyring.rotate({
        rootKeyPem: input.rootKey,
        replaceOnlineKeys: input.replaceOnlineKeys,
      }),
    );
  }
}

function keysView(ring: Keyring): KeysView {
  const held = new Map(ring.keys.map((k) => [k.keyid, k.privateKey !== null]));
  const roles = (['root', 'targets', 'snapshot', 'timestamp'] as const).map((role) => ({
    role,
    threshold: ring.body.roles[role].threshold,
    keys: ring.body.roles[role].keyids.map((keyid) => ({
      keyid,
      public: ring.body.keys[keyid]?.public ?? '',
      onServer: held.get(keyid) ?? false,
    })),
  }));
  return { rootVersion: ring.body.version, rootExpires: ring.body.expires, roles };
}
