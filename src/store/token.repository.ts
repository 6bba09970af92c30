import type { Kysely, Selectable } from 'kysely';
import type { ApiTokenTable, Database } from './schema.js';

export type TokenKind = 'api' | 'session';

/** An API token; only its hash is kept. */
export type TokenRecord = {
  id: string;
  name: string;
  tokenHash: string;
  /** The role of a token without a user; a user's token takes the user's role when used. */
  role: string;
  /** The user it belongs to; null for a user-less token (the first admin's, from before users). */
  userId: string | null;
  kind: TokenKind;
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  revokedBy: string | null;
};

function toRecord(row: Selectable<ApiTokenTable>): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.token_hash,
    role: row.role,
    userId: row.user_id,
    kind: row.kind === 'session' ? 'session' : 'api',
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revokedBy: row.revoked_by,
  };
}

export type NewToken = Pick<TokenRecord, 'id' | 'name' | 'tokenHash' | 'role' | 'createdAt'> &
  Partial<Pick<TokenRecord, 'userId' | 'kind' | 'expiresAt'>>;

export class TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async findByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async find(id: string): Promise<TokenRecord | undefined> {
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Every token, or one user's, oldest first. */
  async list(userId?: string): Promise<TokenRecord[]> {
    let query = this.db.selectFrom('api_tokens').selectAll();
    if (userId !== undefined) query = query.where('user_id', '=', userId);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toRecord);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(token: NewToken): Promise<void> {
    await this.db
      .insertInto('api_tokens')
      .values({
        id: token.id,
        name: token.name,
        token_hash: token.tokenHash,
        role: token.role,
        created_at: token.createdAt,
        user_id: token.userId ?? null,
        kind: token.kind ?? 'api',
        expires_at: token.expiresAt ?? null,
        revoked_at: null,
        revoked_by: null,
      })
      .execute();
  }

  /** Revokes a token not yet revoked; false when it already was. */
  async revoke(id: string, now: number, by: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: now, revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
