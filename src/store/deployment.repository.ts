import type { Kysely, Selectable } from 'kysely';
import type { DeploymentComputerSort, DeploymentSort } from '../contracts/list-queries.js';
import type { Page, PageRequest } from '../contracts/paging.js';
import type { StatusState } from '../domain/status.js';
import type { CountRow } from '../domain/deployment/counts.js';
import { assigningStates, liveStates, type DeploymentState } from '../domain/deployment/state.js';
import {
  PlanCache,
  toColumns,
  toDeploymentRecord,
  type DeploymentChanges,
  type DeploymentRecord,
  type NewDeployment,
  type PhaseRecord,
  type ReachingDeployment,
  type TargetStatus,
} from './deployment.records.js';
import { contentReachesComputer } from './content-scope.queries.js';
import * as placement from './placement.queries.js';
import * as progress from './progress.queries.js';
import * as schedule from './schedule.queries.js';
import { containsText, keysetOf, keysetPage } from './paging.js';
import * as targets from './target-status.queries.js';
import type { TargetStatusFilter } from './target-status.queries.js';
import type { Database, DeploymentTable } from './schema.js';
import type { ReachCache, ReachSink } from './reach-cache.js';
import type { SeenWriter } from './seen-writer.js';

export type {
  DeploymentChanges,
  DeploymentRecord,
  NewDeployment,
  PhaseRecord,
  ReachingDeployment,
  TargetStatus,
} from './deployment.records.js';

/**
 * The deployment aggregate: deployments, their target groups, phases, placements
 * and the per-phase figures the engine reads. Takes and gives domain records.
 */
/** A list's filters: `q` a substring of its id or of an update's id; `group` by name. */
export type DeploymentFilter = {
  state?: string | undefined;
  update?: string | undefined;
  group?: string | undefined;
  q?: string | undefined;
};

export class DeploymentRepository {
  private readonly plans = new PlanCache();

  constructor(
    private readonly db: Kysely<Database>,
    /** Told of every committed write that can change what reaches a computer. */
    private readonly reach: ReachSink | null = null,
    /** Read by reachingForComputer: the computers nothing reaches (not in a transaction). */
    private readonly reachCache: ReachCache | null = null,
    /** Pending check-in times, written before a read that shows last seen. */
    private readonly seen: SeenWriter | null = null,
  ) {}

  /** A write of these fields changes what reaches computers (reachingForComputer). */
  private async changedReach(changes: DeploymentChanges): Promise<void> {
    if (changes.state !== undefined || changes.action !== undefined) {
      await this.reach?.changed(null);
    }
  }

  async insert(
    deployment: NewDeployment,
    groupIds: readonly string[],
    phaseNames: readonly string[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('deployments')
        .values({
          id: deployment.id,
          update_id: deployment.updateIds[0] ?? '',
          state: deployment.state,
          action: deployment.action,
          plan: JSON.stringify(deployment.plan),
          policy: deployment.policy,
          created_at: deployment.createdAt,
          updated_at: deployment.createdAt,
          deadline: deployment.deadline,
        })
        .execute();
      await trx
        .insertInto('deployment_updates')
        .values(
          deployment.updateIds.map((update_id, position) => ({
            deployment_id: deployment.id,
            update_id,
            position,
            uninstallable: deployment.uninstallable.includes(update_id) ? 1 : 0,
          })),
        )
        .execute();
      await trx
        .insertInto('deployment_groups')
        .values(groupIds.map((group_id) => ({ deployment_id: deployment.id, group_id })))
        .execute();
      await trx
        .insertInto('deployment_phases')
        .values(phaseNames.map((name, idx) => ({ deployment_id: deployment.id, idx, name })))
        .execute();
    });
  }

  private async withGroups(
    rows: readonly Selectable<DeploymentTable>[],
  ): Promise<DeploymentRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const groups = await this.db
      .selectFrom('deployment_groups as dg')
      .innerJoin('groups as g', 'g.id', 'dg.group_id')
      .select(['dg.deployment_id', 'g.name'])
      .where('dg.deployment_id', 'in', ids)
      .orderBy('g.name')
      .execute();
    const updates = await this.db
      .selectFrom('deployment_updates')
      .select(['deployment_id', 'update_id', 'uninstallable'])
      .where('deployment_id', 'in', ids)
      .orderBy('position')
      .execute();
    // Each deployment's links, read once (a page holds up to 500 deployments).
    const links = new Map(
      ids.map((id) => [
        id,
        { groups: [] as string[], updates: [] as { id: string; uninstallable: boolean }[] },
      ]),
    );
    for (const l of groups) links.get(l.deployment_id)?.groups.push(l.name);
    for (const u of updates) {
      links
        .get(u.deployment_id)
        ?.updates.push({ id: u.update_id, uninstallable: Number(u.uninstallable) === 1 });
    }
    return rows.map((row) =>
      toDeploymentRecord(row, links.get(row.id) ?? { groups: [], updates: [] }, this.plans),
    );
  }

  async find(id: string): Promise<DeploymentRecord | undefined> {
    const row = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? (await this.withGroups([row]))[0] : undefined;
  }

  /** One page of deployments, by keyset on (sort column, id). */
  async page(
    filter: DeploymentFilter,
    page: PageRequest<DeploymentSort>,
  ): Promise<Page<DeploymentRecord>> {
    let base = this.db.selectFrom('deployments as d');
    if (filter.state !== undefined) base = base.where('d.state', '=', filter.state);
    const update = filter.update;
    if (update !== undefined) {
      base = base.where('d.id', 'in', (eb) =>
        eb
          .selectFrom('deployment_updates as du')
          .select('du.deployment_id')
          .where('du.update_id', '=', update),
      );
    }
    const group = filter.group;
    if (group !== undefined) {
      // A group of no such name targets nothing: the subquery finds no row.
      base = base.where('d.id', 'in', (eb) =>
        eb
          .selectFrom('deployment_groups as dg')
          .innerJoin('groups as g', 'g.id', 'dg.group_id')
          .select('dg.deployment_id')
          .where('g.name', '=', group),
      );
    }
    const q = filter.q;
    if (q !== undefined) {
      base = base.where((eb) =>
        eb.or([
          containsText(this.db, ['d.id'], q),
          eb.exists(
            eb
              .selectFrom('deployment_updates as du')
              .select('du.update_id')
              .whereRef('du.deployment_id', '=', 'd.id')
              .where(containsText(this.db, ['du.update_id'], q)),
          ),
        ]),
      );
    }
    const column = { createdAt: 'd.created_at', id: 'd.id', state: 'd.state' }[page.sort];
    const result = await keysetPage(
      base.selectAll('d'),
      base.select((eb) => eb.fn.countAll().as('n')),
      keysetOf(column, 'd.id'),
      page,
    );
    return { ...result, items: await this.withGroups(result.items) };
  }

  /** Deployments the engine must look at. */
  async inStates(states: readonly DeploymentState[]): Promise<DeploymentRecord[]> {
    const rows = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('state', 'in', [...states])
      .orderBy('created_at')
      .execute();
    return this.withGroups(rows);
  }

  /** Live deployments carrying one of these updates that target one of these groups. */
  async liveOf(
    updateIds: readonly string[],
    groupIds: readonly string[],
  ): Promise<DeploymentRecord[]> {
    if (groupIds.length === 0 || updateIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('deployments as d')
      .selectAll('d')
      .where('d.state', 'in', [...liveStates])
      .where((eb) =>
        eb.and([
          eb.exists(
            eb
              .selectFrom('deployment_groups as dg')
              .select('dg.group_id')
              .whereRef('dg.deployment_id', '=', 'd.id')
              .where('dg.group_id', 'in', [...groupIds]),
          ),
          eb.exists(
            eb
              .selectFrom('deployment_updates as du')
              .select('du.update_id')
              .whereRef('du.deployment_id', '=', 'd.id')
              .where('du.update_id', 'in', [...updateIds]),
          ),
        ]),
      )
      .orderBy('d.created_at')
      .execute();
    return this.withGroups(rows);
  }

  /**
   * Changes a deployment only if it is still in one of the expected states, so two
   * admins (or an admin and the engine) cannot both act on the same state.
   */
  async transition(
    id: string,
    from: readonly DeploymentState[],
    changes: DeploymentChanges,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('deployments')
      .set(toColumns(changes))
      .where('id', '=', id)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    const moved = Number(result.numUpdatedRows) === 1;
    if (moved) await this.changedReach(changes);
    return moved;
  }

  async update(id: string, changes: DeploymentChanges): Promise<void> {
    await this.db.updateTable('deployments').set(toColumns(changes)).where('id', '=', id).execute();
    await this.changedReach(changes);
  }

  // ---- phases ----

  async phases(deploymentId: string): Promise<PhaseRecord[]> {
    return (await this.phasesOf([deploymentId])).get(deploymentId) ?? [];
  }

  /** The phases of each of these deployments, in order: one query for a page of them. */
  async phasesOf(deploymentIds: readonly string[]): Promise<Map<string, PhaseRecord[]>> {
    const phases = new Map<string, PhaseRecord[]>(deploymentIds.map((id) => [id, []]));
    if (deploymentIds.length === 0) return phases;
    const rows = await this.db
      .selectFrom('deployment_phases')
      .selectAll()
      .where('deployment_id', 'in', [...deploymentIds])
      .orderBy('deployment_id')
      .orderBy('idx')
      .execute();
    for (const r of rows) {
      phases.get(r.deployment_id)?.push({
        index: Number(r.idx),
        name: r.name,
        openedAt: r.opened_at === null ? null : Number(r.opened_at),
        promotedAt: r.promoted_at === null ? null : Number(r.promoted_at),
      });
    }
    return phases;
  }

  /** When the phase a computer is placed in opened (null: not placed, or not open yet). */
  async phaseOpenedFor(deploymentId: string, computerId: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('placements as pl')
      .innerJoin('deployment_phases as p', (join) =>
        join.onRef('p.deployment_id', '=', 'pl.deployment_id').onRef('p.idx', '=', 'pl.phase'),
      )
      .select('p.opened_at')
      .where('pl.deployment_id', '=', deploymentId)
      .where('pl.computer_id', '=', computerId)
      .executeTakeFirst();
    return row?.opened_at == null ? null : Number(row.opened_at);
  }

  /** Opens a phase once: false when it was already open. */
  async openPhase(deploymentId: string, index: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('deployment_phases')
      .set({ opened_at: now })
      .where('deployment_id', '=', deploymentId)
      .where('idx', '=', index)
      .where('opened_at', 'is', null)
      .executeTakeFirst();
    const opened = Number(result.numUpdatedRows) === 1;
    if (opened) await this.reach?.changed(null);
    return opened;
  }

  async promote(deploymentId: string, index: number, now: number): Promise<void> {
    await this.db
      .updateTable('deployment_phases')
      .set({ promoted_at: now })
      .where('deployment_id', '=', deploymentId)
      .where('idx', '=', index)
      .execute();
  }

  /**
   * Computer × update pairs of each phase by update, status state and attempts:
   * what the domain tallies (counts.ts decides pending and exhausted, not the store).
   */
  async phaseCounts(deploymentId: string): Promise<CountRow[]> {
    return (await this.phaseCountsOf([deploymentId])).get(deploymentId) ?? [];
  }

  /** `phaseCounts` of each of these deployments: one query for a page of them. */
  phaseCountsOf(deploymentIds: readonly string[]): Promise<Map<string, CountRow[]>> {
    return progress.phaseCounts(this.db, deploymentIds);
  }

  // ---- placements ----

  /** A page of its target computers in id order, each with its phase (null: not placed). */
  targetPage(
    deploymentId: string,
    after: string | undefined,
    limit: number,
  ): Promise<{ computerId: string; phase: number | null }[]> {
    return placement.targetPage(this.db, deploymentId, after, limit);
  }

  /** The group names of these computers, for phases that name groups. */
  groupNamesOf(computerIds: readonly string[]): Promise<Map<string, string[]>> {
    return placement.groupNamesOf(this.db, computerIds);
  }

  async place(deploymentId: string, added: ReadonlyMap<string, number>): Promise<void> {
    await placement.place(this.db, deploymentId, added);
    if (added.size > 0) await this.reach?.changed([...added.keys()]);
  }

  /** Target computers not placed in a phase yet (they joined since the last placement). */
  async unplacedCount(deploymentId: string): Promise<number> {
    return (await this.unplacedCounts([deploymentId])).get(deploymentId) ?? 0;
  }

  /** `unplacedCount` of each of these deployments (absent: 0): one query for a page of them. */
  unplacedCounts(deploymentIds: readonly string[]): Promise<Map<string, number>> {
    return placement.unplacedCounts(this.db, deploymentIds);
  }

  /** One page of its computers × updates, with their phase and status. */
  async pageTargetStatuses(
    deploymentId: string,
    filter: TargetStatusFilter,
    page: PageRequest<DeploymentComputerSort>,
  ): Promise<Page<TargetStatus>> {
    await this.seen?.flush();
    return targets.pageTargetStatuses(this.db, deploymentId, filter, page);
  }

  /** Its target computers (placed, or members not placed yet) with a status in `states`. */
  targetComputerIds(deploymentId: string, states?: readonly StatusState[]): Promise<string[]> {
    return targets.targetComputerIds(this.db, deploymentId, states);
  }

  /** Live deployments that target this computer through a group but have not placed it. */
  unplacedDeploymentIds(computerId: string): Promise<string[]> {
    return placement.unplacedDeploymentIds(this.db, computerId, assigningStates);
  }

  /** A page of a deployment's placed computers (of one phase, or all), for push wake-ups. */
  computerIdsPage(
    deploymentId: string,
    page: { phase?: number | undefined; after?: string | undefined; limit: number },
  ): Promise<string[]> {
    return placement.placedComputerIdsPage(this.db, deploymentId, page);
  }

  /**
   * Each update of the deployments that reach this computer now: active and
   * completed ones through an open phase (a completed one keeps enforcing), and
   * ones rolling back wherever they reached it (their uninstallable updates).
   */
  async reachingForComputer(computerId: string): Promise<ReachingDeployment[]> {
    const cache = this.reachCache;
    if (cache?.reachedByNothing(computerId)) return [];
    const mark = cache?.mark() ?? 0;
    const reaching = await progress.reachingForComputer(this.db, computerId, this.plans);
    if (reaching.length === 0) cache?.keepNone(computerId, mark);
    return reaching;
  }

  /** Whether a file (by SHA-256) is of an update a deployment gives this computer. */
  contentReachesComputer(computerId: string, sha256: string): Promise<boolean> {
    return contentReachesComputer(this.db, computerId, sha256);
  }

  // ---- the engine's schedule ----

  /** Deployments whose next evaluation time comes by `until`, with that time (oldest first). */
  dueBy(until: number): Promise<{ id: string; nextEvaluationAt: number }[]> {
    return schedule.dueBy(this.db, until);
  }

  /** Brings deployments' next evaluation forward to now; any replica may call it. */
  markDue(deploymentIds: readonly string[], now: number): Promise<void> {
    return schedule.markDue(this.db, deploymentIds, now);
  }

  /** Marks due the evaluated deployments of these updates that placed this computer. */
  markReportedDue(computerId: string, updateIds: readonly string[], now: number): Promise<void> {
    return schedule.markReportedDue(this.db, computerId, updateIds, now);
  }

  /** Stores the next evaluation time, unless the row was marked due since `seen`. */
  reschedule(
    deploymentId: string,
    seen: number | null,
    next: number | null,
    waitingFor: string | null,
  ): Promise<void> {
    return schedule.reschedule(this.db, deploymentId, seen, next, waitingFor);
  }

  placedPerPhase(deploymentId: string): Promise<Map<number, number>> {
    return schedule.placedPerPhase(this.db, deploymentId);
  }

  groupNamesOfComputer(computerId: string): Promise<string[]> {
    return schedule.groupNamesOfComputer(this.db, computerId);
  }
}
