import type { EnrollmentSort } from '../contracts/list-queries.js';
import type { Page, PageRequest } from '../contracts/paging.js';
import { keysetOf, keysetPage } from './paging.js';
import type { Kysely, Selectable } from 'kysely';
import type { Database, EnrollmentTokenTable } from './schema.js';

/** An enrollment token (only its hash is kept) and the group it enrolls into. */
export type EnrollmentRecord = {
  id: string;
  tokenHash: string;
  groupId: string | null;
  groupName: string | null;
  /** Epoch milliseconds. */
  expiresAt: number | null;
  /** null: any number of uses. */
  usesLeft: number | null;
  uses: number;
  createdAt: number;
  /** When an admin revoked it (epoch ms), and who; null: not revoked. */
  revokedAt: number | null;
  revokedBy: string | null;
};

export type NewEnrollment = Omit<
  EnrollmentRecord,
  'uses' | 'groupName' | 'revokedAt' | 'revokedBy'
>;

type Row = Selectable<EnrollmentTokenTable> & { group_name: string | null };

function toRecord(row: Row): EnrollmentRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    groupId: row.group_id,
    groupName: row.group_name,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    usesLeft: row.uses_left === null ? null : Number(row.uses_left),
    uses: Number(row.uses),
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revokedBy: row.revoked_by,
  };
}

export class EnrollmentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private select() {
    return this.db
      .selectFrom('enrollment_tokens as e')
      .leftJoin('groups as g', 'g.id', 'e.group_id')
      .selectAll('e')
      .select('g.name as group_name');
  }

  async insert(enrollment: NewEnrollment): Promise<void> {
    await this.db
      .insertInto('enrollment_tokens')
      .values({
        id: enrollment.id,
        token_hash: enrollment.tokenHash,
        group_id: enrollment.groupId,
        expires_at: enrollment.expiresAt,
        uses_left: enrollment.usesLeft,
        created_at: enrollment.createdAt,
      })
      .execute();
  }

  async find(id: string): Promise<EnrollmentRecord | undefined> {
    const row = await this.select().where('e.id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async findByHash(tokenHash: string): Promise<EnrollmentRecord | undefined> {
    const row = await this.select().where('e.token_hash', '=', tokenHash).executeTakeFirst();
    return row && toRecord(row);
  }

  /** One page of enrollment tokens, by keyset on (sort column, id). */
  async page(page: PageRequest<EnrollmentSort>): Promise<Page<EnrollmentRecord>> {
    const column = { createdAt: 'e.created_at', id: 'e.id' }[page.sort];
    const result = await keysetPage(
      this.select(),
      this.db.selectFrom('enrollment_tokens as e').select((eb) => eb.fn.countAll().as('n')),
      keysetOf(column, 'e.id'),
      page,
    );
    return { ...result, items: result.items.map(toRecord) };
  }

  /**
   * Takes one use of a token, atomically: false when it has expired, has no uses
   * left or was revoked, so two agents cannot both spend the last use.
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
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** No agent can enroll with it any more; the row says who revoked it and when. */
  async revoke(id: string, by: string, now: number): Promise<void> {
    await this.db
      .updateTable('enrollment_tokens')
      .set({ revoked_at: now, revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }
}
