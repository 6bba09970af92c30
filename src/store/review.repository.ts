import type { Kysely } from 'kysely';
import { isChecklistItem, type ChecklistMark } from '../domain/review/checklist.js';
import type { Sla } from '../domain/review/review.js';
import type { CancellingAction, StatusState } from '../domain/status.js';
import type { Database } from './schema.js';

export type StoredSla = { sla: Sla; setBy: string; setAt: number };

/**
 * What a deployment's review reads and keeps: its SLA, the checklist items marked done,
 * the status history its agents reported and the current status of its computers.
 */
export class ReviewRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async sla(deploymentId: string): Promise<StoredSla | null> {
    const row = await this.db
      .selectFrom('deployment_slas')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .executeTakeFirst();
    if (!row) return null;
    return { sla: JSON.parse(row.sla) as Sla, setBy: row.set_by, setAt: Number(row.set_at) };
  }

  /** Sets (or, with null, clears) the SLA. */
  async setSla(deploymentId: string, sla: Sla | null, actor: string, now: number): Promise<void> {
    if (sla === null) {
      await this.db
        .deleteFrom('deployment_slas')
        .where('deployment_id', '=', deploymentId)
        .execute();
      return;
    }
    const values = {
      sla: JSON.stringify({ percent: sla.percent, hours: sla.hours }),
      set_by: actor,
      set_at: now,
    };
    await this.db
      .insertInto('deployment_slas')
      .values({ deployment_id: deploymentId, ...values })
      .onConflict((oc) => oc.column('deployment_id').doUpdateSet(values))
      .execute();
  }

  async checklist(deploymentId: string): Promise<ChecklistMark[]> {
    const rows = await this.db
      .selectFrom('review_checklist')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .execute();
    return rows.flatMap((r) =>
      isChecklistItem(r.item)
        ? [{ item: r.item, doneAt: Number(r.done_at), doneBy: r.done_by, note: r.note }]
        : [],
    );
  }

  /** Marks an item done (again: the newest who, when and note replace the old). */
  async check(deploymentId: string, mark: ChecklistMark): Promise<void> {
    const values = { done_by: mark.doneBy, done_at: mark.doneAt, note: mark.note };
    await this.db
      .insertInto('review_checklist')
      .values({ deployment_id: deploymentId, item: mark.item, ...values })
      .onConflict((oc) => oc.columns(['deployment_id', 'item']).doUpdateSet(values))
      .execute();
  }

  async uncheck(deploymentId: string, item: string): Promise<void> {
    await this.db
      .deleteFrom('review_checklist')
      .where('deployment_id', '=', deploymentId)
      .where('item', '=', item)
      .execute();
  }

  /** Every status the agents reported for the deployment, oldest first. */
  async history(deploymentId: string) {
    const rows = await this.db
      .selectFrom('status_events')
      .select(['computer_id', 'update_id', 'state', 'reason', 'observed_at'])
      .where('deployment_id', '=', deploymentId)
      .orderBy('observed_at')
      .orderBy('computer_id')
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      computerId: r.computer_id,
      updateId: r.update_id,
      state: r.state as StatusState,
      reason: r.reason,
      at: Number(r.observed_at),
    }));
  }

  /** Each placed computer × update of the deployment, its phase and its current status. */
  async current(deploymentId: string) {
    const rows = await this.db
      .selectFrom('placements as pl')
      .innerJoin('deployment_updates as du', 'du.deployment_id', 'pl.deployment_id')
      .leftJoin('statuses as s', (join) =>
        join
          .onRef('s.computer_id', '=', 'pl.computer_id')
          .onRef('s.update_id', '=', 'du.update_id'),
      )
      .select(['pl.computer_id', 'pl.phase', 'du.update_id', 's.state', 's.cancelled_by'])
      .where('pl.deployment_id', '=', deploymentId)
      .execute();
    return rows.map((r) => ({
      computerId: r.computer_id,
      phase: Number(r.phase),
      updateId: r.update_id,
      state: r.state as StatusState | null,
      cancelledBy: r.cancelled_by as CancellingAction | null,
    }));
  }
}
