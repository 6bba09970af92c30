import type { Kysely } from 'kysely';
import type { AnalysedComputer, FailedStatus } from '../domain/analysis/failures.js';
import type { StatusState } from '../domain/status.js';
import type { SeenWriter } from './seen-writer.js';
import type { Database } from './schema.js';

/** One recorded point of a deployment's progress: the counts per phase, in plan order. */
export type ProgressPoint = {
  seq: number;
  at: number;
  phases: Partial<Record<StatusState, number>>[];
};

/**
 * What the deployment reports read: the target's computers with their inventory,
 * the failed statuses, and the progress time series the engine records.
 */
export class AnalysisRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** Pending check-in times, written before the health counts read last seen. */
    private readonly seen: SeenWriter | null = null,
  ) {}

  /** The computers placed in the deployment's phases, with what the analysis compares. */
  async targetComputers(deploymentId: string): Promise<AnalysedComputer[]> {
    const rows = await this.db
      .selectFrom('placements as pl')
      .innerJoin('computers as c', 'c.id', 'pl.computer_id')
      .select([
        'c.id',
        'c.site',
        'c.os',
        'c.os_version',
        'c.arch',
        'c.agent_version',
        'c.free_disk_mb',
      ])
      .where('pl.deployment_id', '=', deploymentId)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      site: r.site,
      os: r.os,
      osVersion: r.os_version,
      arch: r.arch,
      agentVersion: r.agent_version,
      freeDiskMB: Number(r.free_disk_mb),
    }));
  }

  /**
   * Every failed computer × update status of the deployment's updates on its placed
   * computers, and every one its user postponed (`user-postponed`).
   */
  async failedStatuses(deploymentId: string): Promise<FailedStatus[]> {
    const rows = await this.db
      .selectFrom('placements as pl')
      .innerJoin('deployment_updates as du', 'du.deployment_id', 'pl.deployment_id')
      .innerJoin('statuses as s', (join) =>
        join
          .onRef('s.computer_id', '=', 'pl.computer_id')
          .onRef('s.update_id', '=', 'du.update_id'),
      )
      .select(['s.computer_id', 's.reason'])
      .where('pl.deployment_id', '=', deploymentId)
      // A postponement by the person at the computer is no failure, but it is why the
      // update is not there: it is counted beside the failures, under its own reason.
      .where((eb) => eb.or([eb('s.state', '=', 'failed'), eb('s.reason', '=', 'user-postponed')]))
      .execute();
    return rows.map((r) => ({ computerId: r.computer_id, reason: r.reason }));
  }

  /**
   * Enrolled computers that are not revoked, by health: never seen, online (seen at or
   * after `onlineSince`), offline (seen before it). Counted by the database.
   */
  async computerHealthCounts(
    onlineSince: number,
  ): Promise<{ online: number; offline: number; 'never-seen': number }> {
    await this.seen?.flush();
    const rows = await this.db
      .selectFrom('computers')
      .select((eb) => [
        eb
          .case()
          .when('last_seen_at', 'is', null)
          .then('never-seen')
          .when('last_seen_at', '>=', onlineSince)
          .then('online')
          .else('offline')
          .end()
          .as('health'),
        eb.fn.countAll<number>().as('n'),
      ])
      .where('revoked_at', 'is', null)
      .groupBy('health')
      .execute();
    const out = { online: 0, offline: 0, 'never-seen': 0 };
    for (const r of rows) out[r.health as keyof typeof out] = Number(r.n);
    return out;
  }

  async lastProgress(deploymentId: string): Promise<ProgressPoint | undefined> {
    const row = await this.db
      .selectFrom('deployment_progress')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toPoint(row) : undefined;
  }

  async addProgress(deploymentId: string, point: ProgressPoint): Promise<void> {
    await this.db
      .insertInto('deployment_progress')
      .values({
        deployment_id: deploymentId,
        seq: point.seq,
        at: point.at,
        counts: JSON.stringify(point.phases),
      })
      .execute();
  }

  /** The whole series, oldest first. */
  async progress(deploymentId: string): Promise<ProgressPoint[]> {
    const rows = await this.db
      .selectFrom('deployment_progress')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .orderBy('seq')
      .execute();
    return rows.map(toPoint);
  }
}

function toPoint(row: { seq: number; at: number; counts: string }): ProgressPoint {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    phases: JSON.parse(row.counts) as Partial<Record<StatusState, number>>[],
  };
}
