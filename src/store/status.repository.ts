import type { Kysely } from 'kysely';
import type { StatusReport } from '../contracts/agent-protocol.js';
import { countsAsAttempt } from '../domain/deployment/attempt.js';
import type { StatusState } from '../domain/status.js';
import type { Database, StatusTable } from './schema.js';

export type StatusRecord = Omit<StatusTable, 'attempts'> & { attempts: number };

export class StatusRepository {
  constructor(private readonly db: Kysely<Database>) {}

  forComputer(computerId: string): Promise<StatusRecord[]> {
    return this.db
      .selectFrom('statuses')
      .selectAll()
      .where('computer_id', '=', computerId)
      .orderBy('update_id')
      .execute();
  }

  /**
   * Applies an agent's reports in one transaction, each sequence number once:
   * a resent report is acknowledged and ignored. A report about an update the
   * server does not hold is acknowledged without being stored, so it cannot block
   * the agent's outbox. Returns the highest acknowledged seq.
   */
  async applyReports(
    computerId: string,
    reports: readonly StatusReport[],
    knownUpdateIds: ReadonlySet<string>,
    now: number,
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const computer = await trx
        .selectFrom('computers')
        .select('report_seq')
        .where('id', '=', computerId)
        .executeTakeFirstOrThrow();
      let acked = Number(computer.report_seq);
      const fresh = [...reports].filter((r) => r.seq > acked).sort((a, b) => a.seq - b.seq);
      // The state before each report, for the attempt rule (the domain's, not the store's).
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
