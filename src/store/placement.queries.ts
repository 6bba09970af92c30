import { sql, type Kysely } from 'kysely';
import type { FailureReason, StatusState } from '../domain/status.js';
import type { TargetStatus } from './deployment.records.js';
import { cancellationOf } from './status.repository.js';
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

/**
 * Every computer of the deployment with its phase and its status for the update:
 * the placed ones (by the primary key), and target members not placed yet.
 */
export async function targetStatuses(
  db: Kysely<Database>,
  deploymentId: string,
  updateId: string,
): Promise<TargetStatus[]> {
  const columns = [
    'c.id as computer_id',
    'c.hostname',
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
  ] as const;
  const placedRows = await db
    .selectFrom('placements as pl')
    .innerJoin('computers as c', 'c.id', 'pl.computer_id')
    .leftJoin('statuses as s', (join) =>
      join.onRef('s.computer_id', '=', 'pl.computer_id').on('s.update_id', '=', updateId),
    )
    .select([...columns, 'pl.phase'])
    .where('pl.deployment_id', '=', deploymentId)
    .execute();
  const waiting = await unplaced(db, deploymentId)
    .innerJoin('computers as c', 'c.id', 'm.computer_id')
    .leftJoin('statuses as s', (join) =>
      join.onRef('s.computer_id', '=', 'm.computer_id').on('s.update_id', '=', updateId),
    )
    .select([...columns, sql<number | null>`null`.as('phase')])
    .distinct()
    .execute();
  return [...placedRows, ...waiting]
    .map((r) => ({
      computerId: r.computer_id,
      hostname: r.hostname,
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
    }))
    .sort(
      (a, b) => a.hostname.localeCompare(b.hostname) || a.computerId.localeCompare(b.computerId),
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
