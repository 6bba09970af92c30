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

function filtered(db: Kysely<Database>, f: ComputerFilter) {
  let q = db.selectFrom('computers as c');
  if (f.q !== undefined) {
    q = q.where(containsText(['c.hostname', 'c.id'], f.q));
  }
  if (f.group !== undefined) {
    const group = f.group;
    q = q.where('c.id', 'in', (eb) =>
      eb
        .selectFrom('group_members as m')
        .innerJoin('groups as g', 'g.id', 'm.group_id')
        .select('m.computer_id')
        .where('g.name', '=', group),
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
  const base = filtered(db, filter);
  const result = await keysetPage(
    base.selectAll('c'),
    base.select((eb) => eb.fn.countAll().as('n')),
    keysetOf(sortColumn[page.sort], 'c.id'),
    page,
  );
  return { ...result, items: result.items.map(toRecord) };
}
