import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, GroupTable } from './schema.js';

export type GroupRow = Selectable<GroupTable>;
export type GroupRecord = GroupRow & { member_count: number };

export class GroupRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private select() {
    return this.db
      .selectFrom('groups as g')
      .selectAll('g')
      .select((eb) =>
        eb
          .selectFrom('group_members as m')
          .whereRef('m.group_id', '=', 'g.id')
          .select((e) => e.fn.countAll<number>().as('n'))
          .as('member_count'),
      );
  }

  async insert(row: Insertable<GroupTable>): Promise<void> {
    await this.db.insertInto('groups').values(row).execute();
  }

  async findByName(name: string): Promise<GroupRecord | undefined> {
    const row = await this.select().where('g.name', '=', name).executeTakeFirst();
    return row && { ...row, member_count: Number(row.member_count ?? 0) };
  }

  async list(): Promise<GroupRecord[]> {
    const rows = await this.select().orderBy('g.name').execute();
    return rows.map((row) => ({ ...row, member_count: Number(row.member_count ?? 0) }));
  }

  async setWindows(groupId: string, windows: string): Promise<void> {
    await this.db.updateTable('groups').set({ windows }).where('id', '=', groupId).execute();
  }

  listQueryGroups(): Promise<GroupRow[]> {
    return this.db.selectFrom('groups').selectAll().where('query', 'is not', null).execute();
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
  groupsOf(computerId: string): Promise<GroupRow[]> {
    return this.db
      .selectFrom('group_members as m')
      .innerJoin('groups as g', 'g.id', 'm.group_id')
      .selectAll('g')
      .where('m.computer_id', '=', computerId)
      .execute();
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
    if (queryGroupIds.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('group_members')
        .where('computer_id', '=', computerId)
        .where('group_id', 'in', [...queryGroupIds])
        .execute();
      if (matchingIds.length > 0) {
        await trx
          .insertInto('group_members')
          .values(matchingIds.map((group_id) => ({ group_id, computer_id: computerId })))
          .execute();
      }
    });
  }
}
