import type { Kysely } from 'kysely';
import type { CountRow } from '../domain/deployment/counts.js';
import { assigningStates } from '../domain/deployment/state.js';
import type { StatusState } from '../domain/status.js';
import { toReaching, type PlanCache, type ReachingDeployment } from './deployment.records.js';
import type { Database } from './schema.js';

/**
 * The progress queries of the deployment repository: what its computers report
 * (counted per phase and update) and what reaches one computer at check-in.
 */

/**
 * Computer × update pairs of each phase by update, status state and attempts, with when
 * last heard, for each deployment: one query for a page of deployments.
 */
export async function phaseCounts(
  db: Kysely<Database>,
  deploymentIds: readonly string[],
): Promise<Map<string, CountRow[]>> {
  const counts = new Map<string, CountRow[]>(deploymentIds.map((id) => [id, []]));
  if (deploymentIds.length === 0) return counts;
  const rows = await db
    .selectFrom('placements as pl')
    .innerJoin('deployment_updates as du', 'du.deployment_id', 'pl.deployment_id')
    .innerJoin('computers as c', 'c.id', 'pl.computer_id')
    .leftJoin('statuses as s', (join) =>
      join.onRef('s.computer_id', '=', 'pl.computer_id').onRef('s.update_id', '=', 'du.update_id'),
    )
    .select((eb) => [
      'pl.deployment_id',
      'pl.phase',
      'du.update_id',
      's.state',
      's.attempts',
      eb.fn.countAll<number>().as('n'),
      eb.fn.max('s.updated_at').as('last_status_at'),
      eb.fn.max('c.last_seen_at').as('last_seen_at'),
    ])
    .where('pl.deployment_id', 'in', [...deploymentIds])
    .groupBy(['pl.deployment_id', 'pl.phase', 'du.update_id', 's.state', 's.attempts'])
    .execute();
  for (const r of rows) {
    counts.get(r.deployment_id)?.push({
      phase: Number(r.phase),
      updateId: r.update_id,
      state: r.state as StatusState | null,
      attempts: Number(r.attempts ?? 0),
      n: Number(r.n),
      lastStatusAt: r.last_status_at === null ? null : Number(r.last_status_at),
      lastSeenAt: r.last_seen_at === null ? null : Number(r.last_seen_at),
    });
  }
  return counts;
}

/** Each update of the deployments that reach this computer now. */
export async function reachingForComputer(
  db: Kysely<Database>,
  computerId: string,
  plans: PlanCache,
): Promise<ReachingDeployment[]> {
  const rows = await db
    .selectFrom('placements as pl')
    .innerJoin('deployments as d', 'd.id', 'pl.deployment_id')
    .innerJoin('deployment_updates as du', 'du.deployment_id', 'pl.deployment_id')
    .innerJoin('deployment_phases as p', (join) =>
      join.onRef('p.deployment_id', '=', 'pl.deployment_id').onRef('p.idx', '=', 'pl.phase'),
    )
    .select([
      'd.id',
      'du.update_id',
      'd.action',
      'd.state',
      'd.plan',
      'd.policy',
      'd.deadline',
      'd.created_at',
      'd.readvertised_at',
    ])
    .where('pl.computer_id', '=', computerId)
    .where((eb) =>
      eb.or([
        eb.and([eb('d.state', 'in', [...assigningStates]), eb('p.opened_at', 'is not', null)]),
        // A rollback removes only the updates that can be uninstalled.
        eb.and([eb('d.state', '=', 'rolling-back'), eb('du.uninstallable', '=', 1)]),
      ]),
    )
    .orderBy('du.position')
    .execute();
  return rows.map((r) => toReaching(r, plans));
}
