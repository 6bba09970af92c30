import type { Kysely } from 'kysely';
import { contentStates } from '../domain/deployment/state.js';
import type { Database } from './schema.js';

/**
 * Whether a computer may download a file: the file belongs to an update of a
 * deployment that placed this computer in a phase it opened, in a state whose
 * computers keep their content (active, completed, halted), or one rolling back
 * an update that can be uninstalled. Statuses do not count: a computer reports
 * them itself, so they would let it grant itself any update's files.
 *
 * One query, walked from the file's hash (update_files_sha256) through the
 * update's deployments (deployment_updates_update) to this computer's
 * placement in each (the placements primary key).
 */
export async function contentReachesComputer(
  db: Kysely<Database>,
  computerId: string,
  sha256: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('update_files as f')
    .innerJoin('deployment_updates as du', 'du.update_id', 'f.update_id')
    .innerJoin('placements as pl', (join) =>
      join.onRef('pl.deployment_id', '=', 'du.deployment_id').on('pl.computer_id', '=', computerId),
    )
    .innerJoin('deployments as d', 'd.id', 'du.deployment_id')
    .innerJoin('deployment_phases as p', (join) =>
      join.onRef('p.deployment_id', '=', 'pl.deployment_id').onRef('p.idx', '=', 'pl.phase'),
    )
    .select('f.sha256')
    .where('f.sha256', '=', sha256)
    .where((eb) =>
      eb.or([
        eb.and([eb('d.state', 'in', [...contentStates]), eb('p.opened_at', 'is not', null)]),
        eb.and([eb('d.state', '=', 'rolling-back'), eb('du.uninstallable', '=', 1)]),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
