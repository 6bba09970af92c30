import type { Kysely, Selectable } from 'kysely';
import type { Database, SignedMetadataTable } from './schema.js';

export type SigningKeyRecord = {
  keyid: string;
  role: string;
  /** Raw ed25519 public key, hex. */
  publicKey: string;
  /** PKCS #8 PEM; null once exported and removed (an offline root key). */
  privateKey: string | null;
  createdAt: number;
};

export type RootRecord = { version: number; body: string; expiresAt: number; createdAt: number };

/** One computer's signed metadata: the three documents (`body`, JSON) and their versions. */
export type SignedMetadataRecord = {
  computerId: string;
  /** Hash of what targets says and of the keys that sign: unchanged means reuse. */
  contentHash: string;
  rootVersion: number;
  targetsVersion: number;
  snapshotVersion: number;
  timestampVersion: number;
  targetsExpiresAt: number;
  timestampExpiresAt: number;
  body: string;
};

function toMetadata(row: Selectable<SignedMetadataTable>): SignedMetadataRecord {
  return {
    computerId: row.computer_id,
    contentHash: row.content_hash,
    rootVersion: Number(row.root_version),
    targetsVersion: Number(row.targets_version),
    snapshotVersion: Number(row.snapshot_version),
    timestampVersion: Number(row.timestamp_version),
    targetsExpiresAt: Number(row.targets_expires_at),
    timestampExpiresAt: Number(row.timestamp_expires_at),
    body: row.body,
  };
}

/** Keys, the root chain and each computer's signed metadata. */
export class SigningRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async keys(): Promise<SigningKeyRecord[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().execute();
    return rows.map((r) => ({
      keyid: r.keyid,
      role: r.role,
      publicKey: r.public_key,
      privateKey: r.private_key,
      createdAt: Number(r.created_at),
    }));
  }

  async addKeys(keys: readonly SigningKeyRecord[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db
      .insertInto('signing_keys')
      .values(
        keys.map((k) => ({
          keyid: k.keyid,
          role: k.role,
          public_key: k.publicKey,
          private_key: k.privateKey,
          created_at: k.createdAt,
        })),
      )
      .onConflict((oc) => oc.column('keyid').doNothing())
      .execute();
  }

  async deleteKeys(keyids: readonly string[]): Promise<void> {
    if (keyids.length === 0) return;
    await this.db.deleteFrom('signing_keys').where('keyid', 'in', keyids).execute();
  }

  async removePrivateKey(keyid: string): Promise<void> {
    await this.db
      .updateTable('signing_keys')
      .set({ private_key: null })
      .where('keyid', '=', keyid)
      .execute();
  }

  async latestRoot(): Promise<RootRecord | undefined> {
    const row = await this.db
      .selectFrom('root_metadata')
      .selectAll()
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toRoot(row);
  }

  async root(version: number): Promise<RootRecord | undefined> {
    const row = await this.db
      .selectFrom('root_metadata')
      .selectAll()
      .where('version', '=', version)
      .executeTakeFirst();
    return row && toRoot(row);
  }

  /** False when that version exists already (another replica or admin was first). */
  async addRoot(root: RootRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('root_metadata')
      .values({
        version: root.version,
        body: root.body,
        expires_at: root.expiresAt,
        created_at: root.createdAt,
      })
      .onConflict((oc) => oc.column('version').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async metadataFor(computerId: string): Promise<SignedMetadataRecord | undefined> {
    const row = await this.db
      .selectFrom('signed_metadata')
      .selectAll()
      .where('computer_id', '=', computerId)
      .executeTakeFirst();
    return row && toMetadata(row);
  }

  /**
   * Stores `next` if the stored timestamp version is still `previous` (null: none
   * stored yet). False when another request or replica stored first: read and retry.
   */
  async saveMetadata(next: SignedMetadataRecord, previous: number | null): Promise<boolean> {
    const values = {
      content_hash: next.contentHash,
      root_version: next.rootVersion,
      targets_version: next.targetsVersion,
      snapshot_version: next.snapshotVersion,
      timestamp_version: next.timestampVersion,
      targets_expires_at: next.targetsExpiresAt,
      timestamp_expires_at: next.timestampExpiresAt,
      body: next.body,
    };
    if (previous === null) {
      const result = await this.db
        .insertInto('signed_metadata')
        .values({ computer_id: next.computerId, ...values })
        .onConflict((oc) => oc.column('computer_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    }
    const result = await this.db
      .updateTable('signed_metadata')
      .set(values)
      .where('computer_id', '=', next.computerId)
      .where('timestamp_version', '=', previous)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function toRoot(row: {
  version: number;
  body: string;
  expires_at: number;
  created_at: number;
}): RootRecord {
  return {
    version: Number(row.version),
    body: row.body,
    expiresAt: Number(row.expires_at),
    createdAt: Number(row.created_at),
  };
}
