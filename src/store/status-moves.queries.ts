import { sql, type Kysely } from 'kysely';
import { cancellableStates, type StatusMove } from '../domain/deployment/status-moves.js';
import type { Database } from './schema.js';

/**
 * The status moves of admin actions (domain/deployment/status-moves.ts), run by the
 * caller inside the action's transaction.
 */

/** Applies a move to one deployment's computers × updates; returns the statuses moved. */
export async function moveStatuses(
  db: Kysely<Database>,
  deploymentId: string,
  move: StatusMove,
): Promise<number> {
  return move.kind === 'cancel'
    ? cancelStatuses(db, deploymentId, move)
    : restoreStatuses(db, deploymentId, move);
}

async function cancelStatuses(
  db: Kysely<Database>,
  deploymentId: string,
  move: Extract<StatusMove, { kind: 'cancel' }>,
): Promise<number> {
  // What this deployment assigned and the agents still wait on.
  const updated = await db
    .updateTable('statuses')
    .set({
      state: 'cancelled',
      cancelled_by: move.by,
      cancelled_actor: move.actor,
      cancelled_at: move.at,
      updated_at: move.at,
      changed_at: move.at,
    })
    .where('deployment_id', '=', deploymentId)
    .where('state', 'in', [...cancellableStates])
    .where('computer_id', 'in', (eb) =>
      eb.selectFrom('placements').select('computer_id').where('deployment_id', '=', deploymentId),
    )
    .where('update_id', 'in', (eb) =>
      eb
        .selectFrom('deployment_updates')
        .select('update_id')
        .where('deployment_id', '=', deploymentId),
    )
    .executeTakeFirst();
  // Placed computers that never reported (pending): cancelled too, with who and when.
  const inserted = await db
    .insertInto('statuses')
    .columns([
      'computer_id',
      'update_id',
      'deployment_id',
      'state',
      'attempts',
      'updated_at',
      'cancelled_by',
      'cancelled_actor',
      'cancelled_at',
      'changed_at',
    ])
    .expression((eb) =>
      eb
        .selectFrom('placements as pl')
        .innerJoin('deployment_updates as du', 'du.deployment_id', 'pl.deployment_id')
        .select([
          'pl.computer_id',
          'du.update_id',
          'pl.deployment_id',
          sql<string>`cast(${'cancelled'} as text)`.as('state'),
          sql<number>`cast(${0} as bigint)`.as('attempts'),
          sql<number>`cast(${move.at} as bigint)`.as('updated_at'),
          sql<string>`cast(${move.by} as text)`.as('cancelled_by'),
          sql<string>`cast(${move.actor} as text)`.as('cancelled_actor'),
          sql<number>`cast(${move.at} as bigint)`.as('cancelled_at'),
          sql<number>`cast(${move.at} as bigint)`.as('changed_at'),
        ])
        .where('pl.deployment_id', '=', deploymentId)
        .where((w) =>
          w.not(
            w.exists(
              w
                .selectFrom('statuses as s')
                .select('s.computer_id')
                .whereRef('s.computer_id', '=', 'pl.computer_id')
                .whereRef('s.update_id', '=', 'du.update_id'),
            ),
          ),
        ),
    )
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) + Number(inserted.numInsertedOrUpdatedRows ?? 0);
}

async function restoreStatuses(
  db: Kysely<Database>,
  deploymentId: string,
  move: Extract<StatusMove, { kind: 'restore' }>,
): Promise<number> {
  const result = await db
    .updateTable('statuses')
    .set({
      state: 'pending',
      cancelled_by: null,
      cancelled_actor: null,
      cancelled_at: null,
      updated_at: move.at,
      changed_at: move.at,
    })
    .where('deployment_id', '=', deploymentId)
    .where('state', '=', 'cancelled')
    .where('cancelled_by', 'in', [...move.from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
