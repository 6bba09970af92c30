import type { Kysely, Selectable } from 'kysely';
import type { StatusReport } from '../contracts/agent-protocol.js';
import {
  cancellingActions,
  type Cancellation,
  type CancellingAction,
  type FailureReason,
  type StatusState,
} from '../domain/status.js';
import type { ComputerCache } from './computer-cache.js';
import type { Database, StatusTable } from './schema.js';
import type { StatusMove } from '../domain/deployment/status-moves.js';
import { moveStatuses } from './status-moves.queries.js';

/** One computer × update: the last state reported, with its reason and attempts. */
export type StatusRecord = {
  computerId: string;
  updateId: string;
  deploymentId: string | null;
  state: StatusState;
  reason: FailureReason | null;
  exitCode: number | null;
  output: string | null;
  message: string | null;
  attempts: number;
  updatedAt: number;
  installedAt: number | null;
  cancelled: Cancellation | null;
};

/** The cancellation columns of a status row (all null unless it is cancelled). */
export function cancellationOf(
  by: string | null,
  actor: string | null,
  at: number | string | null,
): Cancellation | null {
  if (by === null || at === null) return null;
  if (!(cancellingActions as readonly string[]).includes(by)) return null;
  return { by: by as CancellingAction, actor: actor ?? '', at: Number(at) };
}

function toRecord(row: Selectable<StatusTable>): StatusRecord {
  return {
    computerId: row.computer_id,
    updateId: row.update_id,
    deploymentId: row.deployment_id,
    state: row.state as StatusState,
    reason: row.reason as FailureReason | null,
    exitCode: row.exit_code === null ? null : Number(row.exit_code),
    output: row.output,
    message: row.message,
    attempts: Number(row.attempts),
    updatedAt: Number(row.updated_at),
    installedAt: row.installed_at === null ? null : Number(row.installed_at),
    cancelled: cancellationOf(row.cancelled_by, row.cancelled_actor, row.cancelled_at),
  };
}

export class StatusRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** Its report_seq changes: a kept row is dropped (SQLite only, see ComputerCache). */
    private readonly computers: ComputerCache | null = null,
  ) {}

  /** Moves a deployment's statuses for an admin action (call it in the action's transaction). */
  move(deploymentId: string, move: StatusMove): Promise<number> {
    return moveStatuses(this.db, deploymentId, move);
  }

  /** Deletes every status of a computer; returns how many there were. */
  async deleteForComputer(computerId: string): Promise<number> {
    const result = await this.db
      .deleteFrom('statuses')
      .where('computer_id', '=', computerId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async forComputer(computerId: string): Promise<StatusRecord[]> {
    const rows = await this.db
      .selectFrom('statuses')
      .selectAll()
      .where('computer_id', '=', computerId)
      .orderBy('update_id')
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Applies an agent's reports in one transaction, each sequence number once:
   * a resent report is acknowledged and ignored. A report about an update the
   * server does not hold is acknowledged without being stored, so it cannot block
   * the agent's outbox. Whether a report adds an attempt is the caller's rule, asked
   * with the state stored before it; so is whether a report about a cancelled
   * status applies (`applies`: else it is kept as an event only). Returns the highest acknowledged seq.
   */
  async applyReports(
    computerId: string,
    reports: readonly StatusReport[],
    knownUpdateIds: ReadonlySet<string>,
    now: number,
    countsAsAttempt: (previous: StatusState | null, next: StatusState) => boolean,
    applies: (
      stored: { state: StatusState; deploymentId: string | null } | null,
      reported: { state: StatusState; deploymentId: string | null },
    ) => boolean = () => true,
  ): Promise<number> {
    const acked = await this.db.transaction().execute(async (trx) => {
      const computer = await trx
        .selectFrom('computers')
        .select('report_seq')
        .where('id', '=', computerId)
        .executeTakeFirstOrThrow();
      let acked = Number(computer.report_seq);
      const fresh = [...reports].filter((r) => r.seq > acked).sort((a, b) => a.seq - b.seq);
      // The state before each report, for the caller's attempt rule and late reports.
      const current = new Map<string, { state: StatusState; deploymentId: string | null }>();
      if (fresh.length > 0) {
        const rows = await trx
          .selectFrom('statuses')
          .select(['update_id', 'state', 'deployment_id'])
          .where('computer_id', '=', computerId)
          .where('update_id', 'in', [...new Set(fresh.map((r) => r.updateId))])
          .execute();
        for (const r of rows) {
          current.set(r.update_id, {
            state: r.state as StatusState,
            deploymentId: r.deployment_id,
          });
        }
      }
      for (const report of fresh) {
        acked = report.seq;
        if (!knownUpdateIds.has(report.updateId)) continue;
        const observedAt = Date.parse(report.at);
        await trx
          .insertInto('status_events')
          .values({
            computer_id: computerId,
            seq: report.seq,
            update_id: report.updateId,
            deployment_id: report.deploymentId,
            state: report.state,
            reason: report.reason,
            exit_code: report.exitCode,
            message: report.message,
            observed_at: observedAt,
            received_at: now,
          })
          .onConflict((oc) => oc.columns(['computer_id', 'seq']).doNothing())
          .execute();
        const before = current.get(report.updateId) ?? null;
        // Kept as an event; a stale wait does not bring a cancelled assignment back.
        if (!applies(before, report)) continue;
        const attempt = countsAsAttempt(before?.state ?? null, report.state) ? 1 : 0;
        current.set(report.updateId, { state: report.state, deploymentId: report.deploymentId });
        const installedAt = report.state === 'installed' ? observedAt : null;
        await trx
          .insertInto('statuses')
          .values({
            computer_id: computerId,
            update_id: report.updateId,
            deployment_id: report.deploymentId,
            state: report.state,
            reason: report.reason,
            exit_code: report.exitCode,
            output: report.output,
            message: report.message,
            attempts: attempt,
            updated_at: observedAt,
            installed_at: installedAt,
            changed_at: now,
            cancelled_by: null,
            cancelled_actor: null,
            cancelled_at: null,
          })
          .onConflict((oc) =>
            oc.columns(['computer_id', 'update_id']).doUpdateSet((eb) => ({
              deployment_id: report.deploymentId,
              state: report.state,
              reason: report.reason,
              exit_code: report.exitCode,
              output: report.output,
              message: report.message,
              attempts: eb('statuses.attempts', '+', attempt),
              updated_at: observedAt,
              installed_at: installedAt ?? eb.ref('statuses.installed_at'),
              changed_at: now,
              cancelled_by: null,
              cancelled_actor: null,
              cancelled_at: null,
            })),
          )
          .execute();
      }
      if (fresh.length > 0) {
        await trx
          .updateTable('computers')
          .set({ report_seq: acked })
          .where('id', '=', computerId)
          .execute();
      }
      return acked;
    });
    this.computers?.drop(computerId);
    return acked;
  }
}
