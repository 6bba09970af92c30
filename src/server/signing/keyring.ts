import {
  rootBody,
  signedEnvelope,
  type RootBody,
  type SignedEnvelope,
} from '../../contracts/metadata.js';
import type { Clock } from '../../domain/clock.js';
import { ConflictError, ValidationError } from '../../domain/errors.js';
import type { SigningKeyRecord, SigningRepository } from '../../store/signing.repository.js';
import {
  generateSigningKey,
  privatePem,
  signEnvelope,
  signingKeyFromPem,
  type SigningKey,
} from './ed25519.js';

export const ROOT_LIFETIME_MS = 365 * 24 * 3600_000;
/** How often a replica looks for a root another replica (or an admin) stored. */
const ROOT_RECHECK_MS = 10_000;

export type OnlineRole = 'targets' | 'snapshot' | 'timestamp';
export const onlineRoles: readonly OnlineRole[] = ['targets', 'snapshot', 'timestamp'];

/** What the server signs with now: the newest root and the online keys it lists. */
export interface Keyring {
  root: SignedEnvelope;
  body: RootBody;
  online: Record<OnlineRole, SigningKey>;
  /** The root key, while it is on the server (null once exported and removed). */
  rootKey: SigningKey | null;
  keys: SigningKeyRecord[];
}

/**
 * The keys and the root chain, in the database so every replica signs with the same
 * ones and versions survive restarts. The first server to start creates root 1.
 */
export class KeyringStore {
  private ring: Keyring | null = null;
  private checkedAt = -Infinity;

  constructor(
    private readonly repo: SigningRepository,
    private readonly clock: Clock,
  ) {}

  /** The keyring, re-read when another replica may have stored a newer root. */
  async current(): Promise<Keyring> {
    const now = this.clock.now();
    if (this.ring && now - this.checkedAt < ROOT_RECHECK_MS) return this.ring;
    const latest = await this.repo.latestRoot();
    this.checkedAt = now;
    if (this.ring && latest?.version === this.ring.body.version) return this.ring;
    return await this.reload();
  }

  async reload(): Promise<Keyring> {
    let latest = await this.repo.latestRoot();
    if (!latest) {
      await this.create();
      latest = await this.repo.latestRoot();
      if (!latest) throw new Error('no root metadata after creating it');
    }
    const root = signedEnvelope.parse(JSON.parse(latest.body));
    const body = rootBody.parse(root.signed);
    const keys = await this.repo.keys();
    const byId = new Map(keys.map((k) => [k.keyid, k]));
    const signer = (role: 'root' | OnlineRole): SigningKey | null => {
      for (const keyid of body.roles[role].keyids) {
        const pem = byId.get(keyid)?.privateKey;
        if (pem) return signingKeyFromPem(pem);
      }
      return null;
    };
    const online = {} as Record<OnlineRole, SigningKey>;
    for (const role of onlineRoles) {
      const key = signer(role);
      if (!key) throw new Error(`root ${body.version} lists no ${role} key this server holds`);
      online[role] = key;
    }
    this.ring = { root, body, online, rootKey: signer('root'), keys };
    this.checkedAt = this.clock.now();
    return this.ring;
  }

  /** Root 1, with a fresh key per role; a replica that loses the race drops its keys. */
  private async create(): Promise<void> {
    const now = this.clock.now();
    const root = generateSigningKey();
    const online = Object.fromEntries(onlineRoles.map((r) => [r, generateSigningKey()])) as Record<
      OnlineRole,
      SigningKey
    >;
    await this.store(1, root, [root], online, now);
  }

  /**
   * Root N+1: signed by root N's key (the server's, or `rootKeyPem` brought back from
   * offline) and by a new root key. `replaceOnlineKeys` also gives targets, snapshot and
   * timestamp new keys (after a server compromise).
   */
  async rotate(input: { rootKeyPem?: string | undefined; replaceOnlineKeys: boolean }) {
    const ring = await this.reload();
    let oldKey = ring.rootKey;
    if (input.rootKeyPem !== undefined) {
      try {
        oldKey = signingKeyFromPem(input.rootKeyPem);
      } catch {
        throw new ValidationError('rootKey is not an ed25519 private key (PKCS #8 PEM)', [
          { field: 'rootKey', message: 'not an ed25519 private key (PKCS #8 PEM)' },
        ]);
      }
      if (!ring.body.roles.root.keyids.includes(oldKey.keyid)) {
        throw new ValidationError(`rootKey is not a key of root ${ring.body.version}`, [
          { field: 'rootKey', message: `not a key of root ${ring.body.version}` },
        ]);
      }
    }
    if (!oldKey) {
      throw new ConflictError(
        `the key of root ${ring.body.version} is not on the server: give it (rootKey)`,
        undefined,
        'root-key-offline',
      );
    }
    const next = generateSigningKey();
    const online = input.replaceOnlineKeys
      ? (Object.fromEntries(onlineRoles.map((r) => [r, generateSigningKey()])) as Record<
          OnlineRole,
          SigningKey
        >)
      : ring.online;
    await this.store(ring.body.version + 1, next, [oldKey, next], online, this.clock.now());
    return await this.reload();
  }

  /** The root key's PEM; `remove` deletes it from the server (keep it offline). */
  async exportRoot(remove: boolean): Promise<{ keyid: string; privateKey: string }> {
    const ring = await this.reload();
    if (!ring.rootKey) {
      throw new ConflictError(
        `the key of root ${ring.body.version} is not on the server (exported and removed)`,
        undefined,
        'root-key-offline',
      );
    }
    const exported = { keyid: ring.rootKey.keyid, privateKey: privatePem(ring.rootKey.privateKey) };
    if (remove) {
      await this.repo.removePrivateKey(ring.rootKey.keyid);
      await this.reload();
    }
    return exported;
  }

  private async store(
    version: number,
    rootKey: SigningKey,
    signers: readonly SigningKey[],
    online: Record<OnlineRole, SigningKey>,
    now: number,
  ): Promise<void> {
    const expiresAt = now + ROOT_LIFETIME_MS;
    const all: [string, SigningKey][] = [
      ['root', rootKey],
      ...onlineRoles.map((r) => [r, online[r]] as [string, SigningKey]),
    ];
    const body: RootBody = {
      _type: 'root',
      version,
      expires: new Date(expiresAt).toISOString(),
      keys: Object.fromEntries(all.map(([, k]) => [k.keyid, k.publicKey])),
      roles: {
        root: { keyids: [rootKey.keyid], threshold: 1 },
        targets: { keyids: [online.targets.keyid], threshold: 1 },
        snapshot: { keyids: [online.snapshot.keyid], threshold: 1 },
        timestamp: { keyids: [online.timestamp.keyid], threshold: 1 },
      },
    };
    const records = all.map(([role, k]) => ({
      keyid: k.keyid,
      role,
      publicKey: k.publicKey.public,
      privateKey: privatePem(k.privateKey),
      createdAt: now,
    }));
    await this.repo.addKeys(records);
    const envelope = signEnvelope(body, signers);
    const added = await this.repo.addRoot({
      version,
      body: JSON.stringify(envelope),
      expiresAt,
      createdAt: now,
    });
    if (!added) {
      if (version === 1) {
        // Another replica created root 1 first: ours was never published.
        await this.repo.deleteKeys(records.map((r) => r.keyid));
        return;
      }
      throw new ConflictError(`root ${version} was stored by someone else first; try again`);
    }
  }
}
