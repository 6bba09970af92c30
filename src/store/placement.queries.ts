import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * The placement queries of the deployment repository: which computers a
 * deployment's groups hold, the phase each was placed in, and their statuses.
 */

/**
 * A page of the computers the deployment's groups hold now, in id order after `after`,
 * each with the phase it is placed in (null: not yet). The placer walks a target of
 * any size this way, holding one page at a time.
 */
export async function targetPage(
  db: Kysely<Database>,
  deploymentId: string,
  after: string | undefined,
  limit: number,
): Promise<{ computerId: string; phase: number | null }[]> {
  // Read from the computers in id order (their primary key), a member test per row:
  // no DISTINCT over the groups' members, so no page sorts what is left of the target.
  let query = db
    .selectFrom('computers as c')
    .leftJoin('placements as pl', (join) =>
      join.onRef('pl.computer_id', '=', 'c.id').on('pl.deployment_id', '=', deploymentId),
    )
    .select(['c.id', 'pl.phase'])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('group_members as m')
          .innerJoin('deployment_groups as dg', 'dg.group_id', 'm.group_id')
          .select('m.computer_id')
          .whereRef('m.computer_id', '=', 'c.id')
          .where('dg.deployment_id', '=', deploymentId),
      ),
    );
  if (after !== undefined) query = query.where('c.id', '>', after);
  const rows = await query.orderBy('c.id').limit(limit).execute();
  return rows.map((r) => ({ computerId: r.id, phase: r.phase === null ? null : Number(r.phase) }));
}

/** The group names of these computers (those with none are absent). */
export async function groupNamesOf(
  db: Kysely<Database>,
  computerIds: readonly string[],
): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  // Chunks keep each statement under the engines' bound-parameter limits.
  for (let i = 0; i < computerIds.length; i += 500) {
    const rows = await db
      .selectFrom('group_members as m')
      .innerJoin('groups as g', 'g.id', 'm.group_id')
      .select(['m.computer_id', 'g.name'])
      .where('m.computer_id', 'in', computerIds.slice(i, i + 500))
      .execute();
    for (const row of rows) {
      const names = result.get(row.computer_id) ?? [];
      names.push(row.name);
      result.set(row.computer_id, names);
    }
  }
  return result;
}

/** Stores new placements; an existing one never moves. */
export async function place(
  db: Kysely<Database>,
  deploymentId: string,
  added: ReadonlyMap<string, number>,
): Promise<void> {
  const rows = [...added].map(([computer_id, phase]) => ({
    deployment_id: deploymentId,
    computer_id,
    phase,
  }));
  // Chunks keep each statement under the engines' bound-parameter limits.
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('placements')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['deployment_id', 'computer_id']).doNothing())
      .execute();
  }
}

/** Target members not placed yet (they joined since the last placement). */
/**
 * How many target computers of each deployment are not placed in a phase yet (they
 * joined since the last placement): one query for a page of deployments.
 */
export async function unplacedCounts(
  db: Kysely<Database>,
  deploymentIds: readonly string[],
): Promise<Map<string, number>> {
  if (deploymentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('group_members as m')
    .innerJoin('deployment_groups as dg', 'dg.group_id', 'm.group_id')
    .where('dg.deployment_id', 'in', [...deploymentIds])
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('placements as pl')
            .select('pl.computer_id')
            .whereRef('pl.computer_id', '=', 'm.computer_id')
            .whereRef('pl.deployment_id', '=', 'dg.deployment_id'),
        ),
      ),
    )
    .groupBy('dg.deployment_id')
    .select((eb) => ['dg.deployment_id', eb.fn.count<number>('m.computer_id').distinct().as('n')])
    .execute();
  return new Map(rows.map((r) => [r.deployment_id, Number(r.n)]));
}

/** Deployments that target this computer through a group but have not placed it. */
export async function unplacedDeploymentIds(
  db: Kysely<Database>,
  computerId: string,
  states: readonly string[],
): Promise<string[]> {
  const rows = await db
    .selectFrom('group_members as m')
    .innerJoin('deployment_groups as dg', 'dg.group_id', 'm.group_id')
    .innerJoin('deployments as d', 'd.id', 'dg.deployment_id')
    .leftJoin('placements as pl', (join) =>
      join.onRef('pl.deployment_id', '=', 'd.id').on('pl.computer_id', '=', computerId),
    )
    .select('d.id')
    .distinct()
    .where('m.computer_id', '=', computerId)
    .where('d.state', 'in', [...states])
    .where('pl.computer_id', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * A page of a deployment's placed computers (of one phase, or all), in id order after
 * `after`: push wake-ups walk a phase of any size a page at a time.
 */
export async function placedComputerIdsPage(
  db: Kysely<Database>,
  deploymentId: string,
  page: { phase?: number | undefined; after?: string | undefined; limit: number },
): Promise<string[]> {
  let query = db
    .selectFrom('placements')
    .select('computer_id')
    .where('deployment_id', '=', deploymentId);
  if (page.phase !== undefined) query = query.where('phase', '=', page.phase);
  if (page.after !== undefined) query = query.where('computer_id', '>', page.after);
  const rows = await query.orderBy('computer_id').limit(page.limit).execute();
  return rows.map((r) => r.computer_id);
}
