import type { Kysely } from 'kysely';
import type { Database, EnrollmentTokenTable } from './schema.js';

export type EnrollmentRecord = Omit<EnrollmentTokenTable, 'uses'> & {
  uses: number;
  group_name: string | null;
};

export class EnrollmentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private select() {
    return this.db
      .selectFrom('enrollment_tokens as e')
      .leftJoin('groups as g', 'g.id', 'e.group_id')
      .selectAll('e')
      .select('g.name as group_name');
  }

  async insert(row: Omit<EnrollmentTokenTable, 'uses'>): Promise<void> {
    await this.db.insertInto('enrollment_tokens').values(row).execute();
  }

  find(id: string): Promise<EnrollmentRecord | undefined> {
    return this.select().where('e.id', '=', id).executeTakeFirst();
  }

  findByHash(tokenHash: string): Promise<EnrollmentRecord | undefined> {
    return this.select().where('e.token_hash', '=', tokenHash).executeTakeFirst();
  }

  list(): Promise<EnrollmentRecord[]> {
    return this.select().orderBy('e.created_at', 'desc').execute();
  }

  /**
   * Takes one use of a token, atomically: false when it has expired or has no
   * uses left, so two agents cannot both spend the last use.
   */
  async consume(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('enrollment_tokens')
      .set((eb) => ({
        uses: eb('uses', '+', 1),
        uses_left: eb
          .case()
          .when('uses_left', 'is', null)
          .then(null)
          .else(eb('uses_left', '-', 1))
          .end(),
      }))
      .where('id', '=', id)
      .where((eb) => eb.or([eb('uses_left', 'is', null), eb('uses_left', '>', 0)]))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
