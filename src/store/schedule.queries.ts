import type { Kysely } from 'kysely';
import { evaluatedStates } from '../domain/deployment/state.js';
import type { Database } from './schema.js';

/**
 * The engine's scheduling queries of the deployment repository: which deployments
 * are due, bringing one forward, storing the next evaluation time, and what placing
 * a joiner needs instead of the whole target.
 */

/**
 * The deployments whose next evaluation time comes by `until` (now plus the span to
 * the next tick), with that time: the engine evaluates those due now and arms a timer
 * for the earliest other one, so a soak's end is not rounded up to the next tick.
 */
export async function dueBy(
  db: Kysely<Database>,
  until: number,
): Promise<{ id: string; nextEvaluationAt: number }[]> {
  const rows = await db
    .selectFrom('deployments')
    .select(['id', 'next_evaluation_at'])
    .where('state', 'in', [...evaluatedStates])
    .where('next_evaluation_at', '<=', until)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ id: r.id, nextEvaluationAt: Number(r.next_evaluation_at) }));
}

/**
 * Brings deployments' next evaluation forward to now (a report, an action, a
 * joiner). Any replica may call it; the leader's next tick sees it. A deployment
 * already due is not written again.
 */
export async function markDue(
  db: Kysely<Database>,
  deploymentIds: readonly string[],
  now: number,
): Promise<void> {
  if (deploymentIds.length === 0) return;
  await db
    .updateTable('deployments')
    .set({ next_evaluation_at: now })
    .where('id', 'in', [...deploymentIds])
    .where('state', 'in', [...evaluatedStates])
    .where((eb) =>
      eb.or([eb('next_evaluation_at', 'is', null), eb('next_evaluation_at', '>', now)]),
    )
    .execute();
}

/** Marks due the evaluated deployments of these updates that placed this computer. */
export async function markReportedDue(
  db: Kysely<Database>,
  computerId: string,
  updateIds: readonly string[],
  now: number,
): Promise<void> {
  if (updateIds.length === 0) return;
  await db
    .updateTable('deployments')
    .set({ next_evaluation_at: now })
    .where('state', 'in', [...evaluatedStates])
    .where((eb) =>
      eb.or([eb('next_evaluation_at', 'is', null), eb('next_evaluation_at', '>', now)]),
    )
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('deployment_updates')
        .select('deployment_id')
        .where('update_id', 'in', [...updateIds]),
    )
    .where('id', 'in', (eb) =>
      eb.selectFrom('placements').select('deployment_id').where('computer_id', '=', computerId),
    )
    .execute();
}

/**
 * Stores an evaluation's next time and what the deployment waits for, unless the
 * row was marked due since it was read (`seen`): then it stays due and the next
 * tick evaluates it again. Callers write only when something changed.
 */
export async function reschedule(
  db: Kysely<Database>,
  deploymentId: string,
  seen: number | null,
  next: number | null,
  waitingFor: string | null,
): Promise<void> {
  await db
    .updateTable('deployments')
    .set({ next_evaluation_at: next, waiting_for: waitingFor })
    .where('id', '=', deploymentId)
    .where((eb) =>
      seen === null ? eb('next_evaluation_at', 'is', null) : eb('next_evaluation_at', '=', seen),
    )
    .execute();
}

/** Computers placed per phase: what placing a joiner needs instead of the whole target. */
export async function placedPerPhase(
  db: Kysely<Database>,
  deploymentId: string,
): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('placements')
    .select((eb) => ['phase', eb.fn.countAll<number>().as('n')])
    .where('deployment_id', '=', deploymentId)
    .groupBy('phase')
    .execute();
  return new Map(rows.map((r) => [Number(r.phase), Number(r.n)]));
}

/** The names of one computer's groups. */
export async function groupNamesOfComputer(
  db: Kysely<Database>,
  computerId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('group_members as m')
    .innerJoin('groups as g', 'g.id', 'm.group_id')
    .select('g.name')
    .where('m.computer_id', '=', computerId)
    .execute();
  return rows.map((r) => r.name);
}
