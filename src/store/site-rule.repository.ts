import type { Kysely, Selectable } from 'kysely';
import type { Database, SiteRuleTable } from './schema.js';

/** A subnet rule as stored: computers seen from an address in `cidr` are at `site`. */
export type SiteRuleRecord = {
  id: string;
  cidr: string;
  site: string;
  /** Epoch milliseconds. */
  createdAt: number;
  createdBy: string;
};

function toRecord(row: Selectable<SiteRuleTable>): SiteRuleRecord {
  return {
    id: row.id,
    cidr: row.cidr,
    site: row.site,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
  };
}

/** The subnet rules: few (one per subnet an admin names), so read whole. */
export class SiteRuleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(rule: SiteRuleRecord): Promise<void> {
    await this.db
      .insertInto('site_rules')
      .values({
        id: rule.id,
        cidr: rule.cidr,
        site: rule.site,
        created_at: rule.createdAt,
        created_by: rule.createdBy,
      })
      .execute();
  }

  async find(id: string): Promise<SiteRuleRecord | undefined> {
    const row = await this.db
      .selectFrom('site_rules')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async findByCidr(cidr: string): Promise<SiteRuleRecord | undefined> {
    const row = await this.db
      .selectFrom('site_rules')
      .selectAll()
      .where('cidr', '=', cidr)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Every rule, by site then subnet. */
  async list(): Promise<SiteRuleRecord[]> {
    const rows = await this.db
      .selectFrom('site_rules')
      .selectAll()
      .orderBy('site')
      .orderBy('cidr')
      .execute();
    return rows.map(toRecord);
  }

  /** True when it was there. */
  async remove(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('site_rules').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
