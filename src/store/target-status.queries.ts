import { sql, type Kysely } from 'kysely';
import type { DeploymentComputerSort } from '../contracts/list-queries.js';
import type { Page, PageRequest } from '../contracts/paging.js';
import type { FailureReason, StatusState } from '../domain/status.js';
import type { TargetStatus } from './deployment.records.js';
import { keysetPage } from './paging.js';
import { cancellationOf } from './status.repository.js';
import type { Database } from './schema.js';

/**
 * A deployment's computers × updates with their phase and status, a page at a time:
 * every computer it placed, and the target groups' members not placed yet. The page is
 * read from the computers in sort order (hostname or id index), so its cost does not
 * grow with the depth of the page.
 */

export type TargetStatusFilter = {
  state?: StatusState | undefined;
  /** The phase's index in the plan. */
  phase?: number | undefined;
  reason?: FailureReason | undefined;
  /** Only these status states (redeploy's failed computers). */
  states?: readonly StatusState[] | undefined;
};

function targets(db: Kysely<Database>, deploymentId: string, f: TargetStatusFilter) {
  let q = db
    .selectFrom('computers as c')
    .innerJoin('deployment_updates as du', (join) => join.on('du.deployment_id', '=', deploymentId))
    .leftJoin('placements as pl', (join) =>
      join.onRef('pl.computer_id', '=', 'c.id').on('pl.deployment_id', '=', deploymentId),
    )
    .leftJoin('statuses as s', (join) =>
      join.onRef('s.computer_id', '=', 'c.id').onRef('s.update_id', '=', 'du.update_id'),
    )
    .where((eb) =>
      eb.or([
        eb('pl.computer_id', 'is not', null),
        eb.exists(
          eb
            .selectFrom('group_members as m')
            .innerJoin('deployment_groups as dg', 'dg.group_id', 'm.group_id')
            .select('m.computer_id')
            .whereRef('m.computer_id', '=', 'c.id')
            .where('dg.deployment_id', '=', deploymentId),
        ),
      ]),
    );
  const state = sql<string>`coalesce(${sql.ref('s.state')}, 'pending')`;
  if (f.state !== undefined) q = q.where(state, '=', f.state);
  if (f.states !== undefined) q = q.where(state, 'in', [...f.states]);
  if (f.reason !== undefined) q = q.where('s.reason', '=', f.reason);
  if (f.phase !== undefined) q = q.where('pl.phase', '=', f.phase);
  return q;
}

export async function pageTargetStatuses(
  db: Kysely<Database>,
  deploymentId: string,
  filter: TargetStatusFilter,
  page: PageRequest<DeploymentComputerSort>,
): Promise<Page<TargetStatus>> {
  const base = targets(db, deploymentId, filter);
  const columns =
    page.sort === 'id' ? ['c.id', 'du.position'] : ['c.hostname', 'c.id', 'du.position'];
  const result = await keysetPage(
    base.select([
      'c.id as computer_id',
      'c.hostname',
      'du.update_id',
      'du.position',
      'pl.phase',
      's.deployment_id',
      's.state',
      's.reason',
      's.exit_code',
      's.output',
      's.message',
      's.attempts',
      's.updated_at',
      's.installed_at',
      's.cancelled_by',
      's.cancelled_actor',
      's.cancelled_at',
      'c.last_seen_at',
    ]),
    base.select((eb) => eb.fn.countAll().as('n')),
    {
      columns,
      keyOf: (r) =>
        page.sort === 'id'
          ? [r.computer_id, Number(r.position)]
          : [r.hostname, r.computer_id, Number(r.position)],
    },
    page,
  );
  return {
    ...result,
    items: result.items.map((r) => ({
      computerId: r.computer_id,
      hostname: r.hostname,
      updateId: r.update_id,
      phase: r.phase === null ? null : Number(r.phase),
      deploymentId: r.deployment_id,
      state: r.state as StatusState | null,
      reason: r.reason as FailureReason | null,
      exitCode: r.exit_code === null ? null : Number(r.exit_code),
      output: r.output,
      message: r.message,
      attempts: Number(r.attempts ?? 0),
      updatedAt: r.updated_at === null ? null : Number(r.updated_at),
      installedAt: r.installed_at === null ? null : Number(r.installed_at),
      cancelled: cancellationOf(r.cancelled_by, r.cancelled_actor, r.cancelled_at),
      lastSeenAt: r.last_seen_at === null ? null : Number(r.last_seen_at),
    })),
  };
}

/** The distinct computers of the deployment's target whose status is in `states` (all: none given). */
export async function targetComputerIds(
  db: Kysely<Database>,
  deploymentId: string,
  states?: readonly StatusState[],
): Promise<string[]> {
  const rows = await targets(db, deploymentId, { states })
    .select('c.id')
    .distinct()
    .orderBy('c.id')
    .execute();
  return rows.map((r) => r.id);
}
