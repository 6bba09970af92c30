import type { Kysely } from 'kysely';
import type { ComputerSort } from '../contracts/list-queries.js';
import type { PageRequest, Page } from '../contracts/paging.js';
import { toRecord, type ComputerRecord } from './computer.repository.js';
import { containsText, keysetOf, keysetPage } from './paging.js';
import type { Database } from './schema.js';

/** The health filter in columns: seen since `onlineSince` is online; never seen is never-seen. */
export type ComputerFilter = {
  q?: string | undefined;
  group?: string | undefined;
  health?: { state: 'online' | 'offline' | 'never-seen'; onlineSince: number } | undefined;
  site?: string | undefined;
  os?: string | undefined;
};

const sortColumn: Record<ComputerSort, string> = {
  hostname: 'c.hostname',
  id: 'c.id',
  enrolledAt: 'c.enrolled_at',
  os: 'c.os',
};

/**
 * How the group filter finds its computers, once the group is known by id. `members`:
 * read the group's members (by the group_members key) and sort them, which is what a
 * small group needs; `probe`: walk the sort index and look each computer up in the group
 * by that key, which finds a page of a large group after about limit × fleet / members
 * rows instead of sorting all its members.
 */
type GroupPlan = { id: string | null; probe: boolean };

/** Members from which walking the sort index beats sorting the members. */
const PROBE_FROM_MEMBERS = 1000;

function filtered(db: Kysely<Database>, f: ComputerFilter, group: GroupPlan | null) {
  let q = db.selectFrom('computers as c');
  if (f.q !== undefined) {
    q = q.where(containsText(db, ['c.hostname', 'c.id'], f.q));
  }
  if (group !== null) {
    // A group of no such name has no members: the id null matches no row.
    const id = group.id ?? '';
    q = group.probe
      ? q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('group_members as m')
              .select('m.computer_id')
              .where('m.group_id', '=', id)
              .whereRef('m.computer_id', '=', 'c.id'),
          ),
        )
      : q.where('c.id', 'in', (eb) =>
          eb.selectFrom('group_members as m').select('m.computer_id').where('m.group_id', '=', id),
        );
  }
  if (f.site !== undefined) q = q.where('c.site', '=', f.site);
  if (f.os !== undefined) q = q.where('c.os', '=', f.os);
  const h = f.health;
  if (h?.state === 'never-seen') q = q.where('c.last_seen_at', 'is', null);
  if (h?.state === 'online') q = q.where('c.last_seen_at', '>=', h.onlineSince);
  if (h?.state === 'offline') q = q.where('c.last_seen_at', '<', h.onlineSince);
  return q;
}

/** One page of computers, by keyset on (sort column, id), with the count of every match. */
export async function pageComputers(
  db: Kysely<Database>,
  filter: ComputerFilter,
  page: PageRequest<ComputerSort>,
): Promise<Page<ComputerRecord>> {
  const group = filter.group === undefined ? null : await groupOf(db, filter.group);
  const base = filtered(db, filter, group && { id: group.id, probe: false });
  const onlyGroup =
    group !== null && Object.entries(filter).every(([k, v]) => k === 'group' || v === undefined);
  const result = await keysetPage(
    filtered(
      db,
      filter,
      group && { id: group.id, probe: group.members >= PROBE_FROM_MEMBERS },
    ).selectAll('c'),
    // Filtered by its group alone, the total is the group's size: every member is a
    // computer (group_members' keys cascade from both tables).
    onlyGroup
      ? { executeTakeFirst: () => Promise.resolve({ n: group.members }) }
      : base.select((eb) => eb.fn.countAll().as('n')),
    keysetOf(sortColumn[page.sort], 'c.id'),
    page,
  );
  return { ...result, items: result.items.map(toRecord) };
}

/** The group of this name and how many members it has (a range of the group_members key). */
async function groupOf(
  db: Kysely<Database>,
  name: string,
): Promise<{ id: string | null; members: number }> {
  const row = await db
    .selectFrom('groups as g')
    .leftJoin('group_members as m', 'm.group_id', 'g.id')
    .where('g.name', '=', name)
    .groupBy('g.id')
    .select((eb) => ['g.id', eb.fn.count('m.computer_id').as('n')])
    .executeTakeFirst();
  return { id: row?.id ?? null, members: Number(row?.n ?? 0) };
}
