import type { Kysely, Selectable } from 'kysely';
import type { StatusReport } from '../contracts/agent-protocol.js';
import type { FailureReason, StatusState } from '../domain/status.js';
import type { Database, StatusTable } from './schema.js';

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
};

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
  };
}

export class StatusRepository {
  constructor(private readonly db: Kysely<Database>) {}

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
   * with the state stored before it. Returns the highest acknowledged seq.
   */
  async applyReports(
    computerId: string,
    reports: readonly StatusReport[],
    knownUpdateIds: ReadonlySet<string>,
    now: number,
    countsAsAttempt: (previous: StatusState | null, next: StatusState) => boolean,
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const computer = await trx
        .selectFrom('computers')
        .select('report_seq')
        .where('id', '=', computerId)
        .executeTakeFirstOrThrow();
      let acked = Number(computer.report_seq);
      const fresh = [...reports].filter((r) => r.seq > acked).sort((a, b) => a.seq - b.seq);
      // The state before each report, for the caller's attempt rule.
      const current = new Map<string, StatusState>();
      if (fresh.length > 0) {
        const rows = await trx
          .selectFrom('statuses')
          .select(['update_id', 'state'])
          .where('computer_id', '=', computerId)
          .where('update_id', 'in', [...new Set(fresh.map((r) => r.updateId))])
          .execute();
        for (const r of rows) current.set(r.update_id, r.state as StatusState);
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
        const attempt = countsAsAttempt(current.get(report.updateId) ?? null, report.state) ? 1 : 0;
        current.set(report.updateId, report.state);
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
  }
}
