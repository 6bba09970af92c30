import type { Assignment } from '../contracts/agent-protocol.js';
import type { CheckinMetadata, RootBody, SignedEnvelope } from '../contracts/metadata.js';
import { canonicalJson } from '../domain/canonical-json.js';
import {
  generateSigningKey,
  sha256Text,
  signEnvelope,
  type SigningKey,
} from '../server/signing/ed25519.js';

export { signEnvelope };

type Online = 'targets' | 'snapshot' | 'timestamp';

/** Overrides for one signed answer, to build the bad ones. */
export interface SignOptions {
  versions?: Partial<Record<Online, number>>;
  /** Epoch ms. */
  expires?: Partial<Record<Online, number>>;
  /** Sign a role with these keys instead of its own. */
  keys?: Partial<Record<Online, SigningKey[]>>;
  /** What targets lists, when not the assignments themselves. */
  signedAssignments?: readonly Assignment[];
}

const DAY = 24 * 3600_000;

/**
 * A signer for tests, like the server's: a root (with `rootKeys` keys, `threshold`
 * needed), one key per online role, and a new version of every document per answer.
 */
export class TestSigner {
  rootKeys: SigningKey[];
  online: Record<Online, SigningKey>;
  readonly roots: SignedEnvelope[] = [];
  private readonly versions: Record<Online, number> = { targets: 0, snapshot: 0, timestamp: 0 };

  constructor(
    private readonly now: () => number,
    options: { rootKeys?: number; threshold?: number } = {},
  ) {
    this.rootKeys = Array.from({ length: options.rootKeys ?? 1 }, generateSigningKey);
    this.online = {
      targets: generateSigningKey(),
      snapshot: generateSigningKey(),
      timestamp: generateSigningKey(),
    };
    this.threshold = options.threshold ?? 1;
    this.roots.push(signEnvelope(this.rootBody(1), this.rootKeys));
  }

  threshold: number;

  get root(): SignedEnvelope {
    return this.roots[this.roots.length - 1] as SignedEnvelope;
  }

  rootBody(version: number, expires = this.now() + 365 * DAY): RootBody {
    const all = [...this.rootKeys, ...Object.values(this.online)];
    return {
      _type: 'root',
      version,
      expires: new Date(expires).toISOString(),
      keys: Object.fromEntries(all.map((k) => [k.keyid, k.publicKey])),
      roles: {
        root: { keyids: this.rootKeys.map((k) => k.keyid), threshold: this.threshold },
        targets: { keyids: [this.online.targets.keyid], threshold: 1 },
        snapshot: { keyids: [this.online.snapshot.keyid], threshold: 1 },
        timestamp: { keyids: [this.online.timestamp.keyid], threshold: 1 },
      },
    };
  }

  /**
   * Root N+1 with new root keys (and new online keys when asked), signed by `signers`
   * (default: the old root keys and the new ones).
   */
  rotate(
    options: {
      replaceOnline?: boolean;
      signers?: (old: SigningKey[], next: SigningKey[]) => SigningKey[];
    } = {},
  ): SignedEnvelope {
    const old = this.rootKeys;
    this.rootKeys = old.map(() => generateSigningKey());
    if (options.replaceOnline) {
      this.online = {
        targets: generateSigningKey(),
        snapshot: generateSigningKey(),
        timestamp: generateSigningKey(),
      };
    }
    const signers = options.signers?.(old, this.rootKeys) ?? [...old, ...this.rootKeys];
    const next = signEnvelope(this.rootBody(this.roots.length + 1), signers);
    this.roots.push(next);
    return next;
  }

  /** The signed metadata of an answer with these assignments. */
  sign(
    computerId: string,
    assignments: readonly Assignment[],
    options: SignOptions = {},
  ): CheckinMetadata {
    const now = this.now();
    const v = (role: Online) => options.versions?.[role] ?? ++this.versions[role];
    const exp = (role: Online, life: number) =>
      new Date(options.expires?.[role] ?? now + life).toISOString();
    const keys = (role: Online) => options.keys?.[role] ?? [this.online[role]];
    const listed = options.signedAssignments ?? assignments;
    const targets = signEnvelope(
      {
        _type: 'targets',
        computerId,
        version: v('targets'),
        expires: exp('targets', 7 * DAY),
        assignments: listed.map((a) => ({
          deploymentId: a.deploymentId,
          updateId: a.updateId,
          action: a.action,
          sha256: sha256Text(canonicalJson(a)),
          files: a.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
        })),
      },
      keys('targets'),
    );
    const snapshot = signEnvelope(
      {
        _type: 'snapshot',
        computerId,
        version: v('snapshot'),
        expires: exp('snapshot', 7 * DAY),
        targets: { version: targets.signed['version'], sha256: sha256Text(canonicalJson(targets)) },
      },
      keys('snapshot'),
    );
    const timestamp = signEnvelope(
      {
        _type: 'timestamp',
        computerId,
        version: v('timestamp'),
        expires: exp('timestamp', DAY),
        snapshot: {
          version: snapshot.signed['version'],
          sha256: sha256Text(canonicalJson(snapshot)),
        },
      },
      keys('timestamp'),
    );
    return { rootVersion: this.roots.length, timestamp, snapshot, targets };
  }
}
