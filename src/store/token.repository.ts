import type { Kysely, Selectable } from 'kysely';
import type { ApiTokenTable, Database } from './schema.js';

/** An admin API token; only its hash is kept. */
export type TokenRecord = {
  id: string;
  name: string;
  tokenHash: string;
  role: string;
  /** Epoch milliseconds. */
  createdAt: number;
};

function toRecord(row: Selectable<ApiTokenTable>): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.token_hash,
    role: row.role,
    createdAt: Number(row.created_at),
  };
}

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

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(token: TokenRecord): Promise<void> {
    await this.db
      .insertInto('api_tokens')
      .values({
        id: token.id,
        name: token.name,
        token_hash: token.tokenHash,
        role: token.role,
        created_at: token.createdAt,
      })
      .execute();
  }
}
