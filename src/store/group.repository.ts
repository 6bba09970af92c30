import type { GroupSort } from '../contracts/list-queries.js';
import type { Page, PageRequest } from '../contracts/paging.js';
import { containsText, keysetOf, keysetPage } from './paging.js';
import type { Kysely, Selectable } from 'kysely';
import type { ClientPolicy, MaintenanceWindow } from '../contracts/plan.js';
import type { Database, GroupTable } from './schema.js';

/** A static group (members added by hand) or a query group (members by inventory). */
export type GroupRecord = {
  id: string;
  name: string;
  /** The membership query of a query group; null for a static group. */
  query: string | null;
  windows: MaintenanceWindow[];
  /** The client policy the group sets for its computers; null: it sets none. */
  policy: ClientPolicy | null;
  /** Told the schedule for its computers that report no owner e-mail; null: none. */
  ownerEmail: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
};

export type CountedGroupRecord = GroupRecord & { memberCount: number };

/** A list's filters: `q` a substring of the name; `kind` static (no query) or query. */
export type GroupFilter = { q?: string | undefined; kind?: 'static' | 'query' | undefined };

export type NewGroup = Pick<GroupRecord, 'id' | 'name' | 'query' | 'createdAt'> &
  Partial<Pick<GroupRecord, 'policy'>>;

function toRecord(row: Selectable<GroupTable>): GroupRecord {
  return {
    id: row.id,
    name: row.name,
    query: row.query,
    // Written only from validated windows and policies (see setWindows, setPolicy).
    windows: JSON.parse(row.windows) as MaintenanceWindow[],
    policy: row.policy as ClientPolicy | null,
    ownerEmail: row.owner_email,
    createdAt: Number(row.created_at),
  };
}

export class GroupRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The groups a list's filters keep (a scan of the groups: there are few). */
  private filtered(filter: GroupFilter) {
    let q = this.db.selectFrom('groups as g');
    if (filter.q !== undefined) q = q.where(containsText(this.db, ['g.name'], filter.q));
    if (filter.kind === 'static') q = q.where('g.query', 'is', null);
    if (filter.kind === 'query') q = q.where('g.query', 'is not', null);
    return q;
  }

  private select(from = this.db.selectFrom('groups as g')) {
    return from.selectAll('g').select((eb) =>
      eb
        .selectFrom('group_members as m')
        .whereRef('m.group_id', '=', 'g.id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('member_count'),
    );
  }

  async insert(group: NewGroup): Promise<void> {
    await this.db
      .insertInto('groups')
      .values({
        id: group.id,
        name: group.name,
        query: group.query,
        policy: group.policy ?? null,
        created_at: group.createdAt,
      })
      .execute();
  }

  async findByName(name: string): Promise<CountedGroupRecord | undefined> {
    const row = await this.select().where('g.name', '=', name).executeTakeFirst();
    return row && { ...toRecord(row), memberCount: Number(row.member_count ?? 0) };
  }

  /** One page of groups, by keyset on (sort column, id), each with its member count. */
  async page(filter: GroupFilter, page: PageRequest<GroupSort>): Promise<Page<CountedGroupRecord>> {
    const column = { name: 'g.name', createdAt: 'g.created_at' }[page.sort];
    const base = this.filtered(filter);
    const result = await keysetPage(
      this.select(base),
      base.select((eb) => eb.fn.countAll().as('n')),
      // Names are unique: the name alone orders the groups.
      keysetOf(column, column === 'g.name' ? 'g.name' : 'g.id'),
      page,
    );
    return {
      ...result,
      items: result.items.map((row) => ({
        ...toRecord(row),
        memberCount: Number(row.member_count ?? 0),
      })),
    };
  }

  async list(): Promise<CountedGroupRecord[]> {
    const rows = await this.select().orderBy('g.name').execute();
    return rows.map((row) => ({ ...toRecord(row), memberCount: Number(row.member_count ?? 0) }));
  }

  async setWindows(groupId: string, windows: readonly MaintenanceWindow[]): Promise<void> {
    await this.db
      .updateTable('groups')
      .set({ windows: JSON.stringify(windows) })
      .where('id', '=', groupId)
      .execute();
  }

  async setPolicy(groupId: string, policy: ClientPolicy | null): Promise<void> {
    await this.db.updateTable('groups').set({ policy }).where('id', '=', groupId).execute();
  }

  async setOwnerEmail(groupId: string, ownerEmail: string | null): Promise<void> {
    await this.db
      .updateTable('groups')
      .set({ owner_email: ownerEmail })
      .where('id', '=', groupId)
      .execute();
  }

  async listQueryGroups(): Promise<GroupRecord[]> {
    const rows = await this.db
      .selectFrom('groups')
      .selectAll()
      .where('query', 'is not', null)
      .execute();
    return rows.map(toRecord);
  }

  members(groupId: string): Promise<{ id: string; hostname: string }[]> {
    return this.db
      .selectFrom('group_members as m')
      .innerJoin('computers as c', 'c.id', 'm.computer_id')
      .select(['c.id', 'c.hostname'])
      .where('m.group_id', '=', groupId)
      .orderBy('c.hostname')
      .orderBy('c.id')
      .execute();
  }

  /** The groups one computer belongs to. */
  async groupsOf(computerId: string): Promise<GroupRecord[]> {
    const rows = await this.db
      .selectFrom('group_members as m')
      .innerJoin('groups as g', 'g.id', 'm.group_id')
      .selectAll('g')
      .where('m.computer_id', '=', computerId)
      .execute();
    return rows.map(toRecord);
  }

  async groupNamesOf(computerIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    if (computerIds.length === 0) return result;
    const rows = await this.db
      .selectFrom('group_members as m')
      .innerJoin('groups as g', 'g.id', 'm.group_id')
      .select(['m.computer_id', 'g.name'])
      .where('m.computer_id', 'in', [...computerIds])
      .orderBy('g.name')
      .execute();
    for (const row of rows) {
      const names = result.get(row.computer_id) ?? [];
      names.push(row.name);
      result.set(row.computer_id, names);
    }
    return result;
  }

  async addMembers(groupId: string, computerIds: readonly string[]): Promise<void> {
    if (computerIds.length === 0) return;
    await this.db
      .insertInto('group_members')
      .values(computerIds.map((computer_id) => ({ group_id: groupId, computer_id })))
      .onConflict((oc) => oc.columns(['group_id', 'computer_id']).doNothing())
      .execute();
  }

  async removeMembers(groupId: string, computerIds: readonly string[]): Promise<void> {
    if (computerIds.length === 0) return;
    await this.db
      .deleteFrom('group_members')
      .where('group_id', '=', groupId)
      .where('computer_id', 'in', [...computerIds])
      .execute();
  }

  /** Sets which query groups one computer belongs to, after its inventory changed. */
  async setQueryMemberships(
    computerId: string,
    queryGroupIds: readonly string[],
    matchingIds: readonly string[],
  ): Promise<void> {
    await this.setQueryMembershipsOf(queryGroupIds, [{ computerId, matchingIds }]);
  }

  /** The same for several computers, in one transaction (a page of them at a time). */
  async setQueryMembershipsOf(
    queryGroupIds: readonly string[],
    computers: readonly { computerId: string; matchingIds: readonly string[] }[],
  ): Promise<void> {
    if (queryGroupIds.length === 0 || computers.length === 0) return;
    const rows = computers.flatMap((c) =>
      c.matchingIds.map((group_id) => ({ group_id, computer_id: c.computerId })),
    );
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('group_members')
        .where(
          'computer_id',
          'in',
          computers.map((c) => c.computerId),
        )
        .where('group_id', 'in', [...queryGroupIds])
        .execute();
      // 2 columns a row: 1,000 rows stay under both engines' parameter limits.
      for (let i = 0; i < rows.length; i += 1000) {
        await trx
          .insertInto('group_members')
          .values(rows.slice(i, i + 1000))
          .execute();
      }
    });
  }
}
