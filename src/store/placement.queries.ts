import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * The placement queries of the deployment repository: which computers a
 * deployment's groups hold, the phase each was placed in, and their statuses.
 */

/** The computers the deployment's groups hold now, with their group names. */
export async function targetComputers(
  db: Kysely<Database>,
  deploymentId: string,
): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom('deployment_groups as dg')
    .innerJoin('group_members as m', 'm.group_id', 'dg.group_id')
    .innerJoin('group_members as all_m', 'all_m.computer_id', 'm.computer_id')
    .innerJoin('groups as g', 'g.id', 'all_m.group_id')
    .select(['m.computer_id', 'g.name'])
    .distinct()
    .where('dg.deployment_id', '=', deploymentId)
    .execute();
  const result = new Map<string, string[]>();
  for (const row of rows) {
    const names = result.get(row.computer_id) ?? [];
    names.push(row.name);
    result.set(row.computer_id, names);
  }
  return result;
}

export async function placed(
  db: Kysely<Database>,
  deploymentId: string,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('placements')
    .select(['computer_id', 'phase'])
    .where('deployment_id', '=', deploymentId)
    .execute();
  return new Map(rows.map((r) => [r.computer_id, Number(r.phase)]));
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
export function unplaced(db: Kysely<Database>, deploymentId: string) {
  return db
    .selectFrom('group_members as m')
    .innerJoin('deployment_groups as dg', 'dg.group_id', 'm.group_id')
    .where('dg.deployment_id', '=', deploymentId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('placements as pl')
            .select('pl.computer_id')
            .whereRef('pl.computer_id', '=', 'm.computer_id')
            .where('pl.deployment_id', '=', deploymentId),
        ),
      ),
    );
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

/** The computers of a deployment (up to a phase), for push wake-ups. */
export async function placedComputerIds(
  db: Kysely<Database>,
  deploymentId: string,
  upToPhase?: number,
): Promise<string[]> {
  let query = db
    .selectFrom('placements')
    .select('computer_id')
    .where('deployment_id', '=', deploymentId);
  if (upToPhase !== undefined) query = query.where('phase', '<=', upToPhase);
  return (await query.execute()).map((r) => r.computer_id);
}
