import type { Kysely } from 'kysely';
import type { ApiTokenTable, Database } from './schema.js';

export class TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  findByHash(tokenHash: string): Promise<ApiTokenTable | undefined> {
    return this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(row: ApiTokenTable): Promise<void> {
    await this.db.insertInto('api_tokens').values(row).execute();
  }
}
