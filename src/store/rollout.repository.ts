import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, DeploymentPhaseTable } from './schema.js';

export type PhaseRow = Selectable<DeploymentPhaseTable>;

export type PhaseCountRow = { phase: number; state: string | null; n: number; exhausted: number };

/** What reaches one computer at check-in: its deployments whose phase is open. */
export type ReachingRow = {
  id: string;
  update_id: string;
  action: string;
  state: string;
  plan: string | null;
  deadline: number | null;
  created_at: number;
  readvertised_at: number | null;
};

/** Phases, stable phase membership and the per-phase figures the engine reads. */
export class RolloutRepository {
  constructor(private readonly db: Kysely<Database>) {}

  phases(deploymentId: string): Promise<PhaseRow[]> {
    return this.db
      .selectFrom('deployment_phases')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .orderBy('idx')
      .execute();
  }

  /** Opens a phase once: false when it was already open. */
  async openPhase(deploymentId: string, idx: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('deployment_phases')
      .set({ opened_at: now })
      .where('deployment_id', '=', deploymentId)
      .where('idx', '=', idx)
      .where('opened_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async promote(deploymentId: string, idx: number, now: number): Promise<void> {
    await this.db
      .updateTable('deployment_phases')
      .set({ promoted_at: now })
      .where('deployment_id', '=', deploymentId)
      .where('idx', '=', idx)
      .execute();
  }

  /** The computers the deployment's groups hold now, with their group names. */
  async targetComputers(deploymentId: string): Promise<Map<string, string[]>> {
    const rows = await this.db
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

  async assigned(deploymentId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('deployment_computers')
      .select(['computer_id', 'phase'])
      .where('deployment_id', '=', deploymentId)
      .execute();
    return new Map(rows.map((r) => [r.computer_id, Number(r.phase)]));
  }

  /** Stores new phase memberships; an existing one never moves. */
  async assign(deploymentId: string, added: ReadonlyMap<string, number>): Promise<void> {
    const rows = [...added].map(([computer_id, phase]) => ({
      deployment_id: deploymentId,
      computer_id,
      phase,
    }));
    // Chunks keep each statement under the engines' bound-parameter limits.
    for (let i = 0; i < rows.length; i += 500) {
      await this.db
        .insertInto('deployment_computers')
        .values(rows.slice(i, i + 500))
        .onConflict((oc) => oc.columns(['deployment_id', 'computer_id']).doNothing())
        .execute();
    }
  }

  /** Computers of each phase by status state, and failures that will not be retried. */
  async phaseCounts(
    deploymentId: string,
    updateId: string,
    maxAttempts: number,
  ): Promise<PhaseCountRow[]> {
    const rows = await this.db
      .selectFrom('deployment_computers as dc')
      .leftJoin('statuses as s', (join) =>
        join.onRef('s.computer_id', '=', 'dc.computer_id').on('s.update_id', '=', updateId),
      )
      .select((eb) => [
        'dc.phase',
        's.state',
        eb.fn.countAll<number>().as('n'),
        sql<number>`sum(case when ${eb.ref('s.state')} = 'failed' and ${eb.ref('s.attempts')} >= ${maxAttempts} then 1 else 0 end)`.as(
          'exhausted',
        ),
      ])
      .where('dc.deployment_id', '=', deploymentId)
      .groupBy(['dc.phase', 's.state'])
      .execute();
    return rows.map((r) => ({
      phase: Number(r.phase),
      state: r.state,
      n: Number(r.n),
      exhausted: Number(r.exhausted ?? 0),
    }));
  }

  /**
   * Deployments that reach this computer now: active ones through an open phase, and
   * ones rolling back wherever they reached it.
   */
  reachingForComputer(computerId: string): Promise<ReachingRow[]> {
    return this.db
      .selectFrom('deployment_computers as dc')
      .innerJoin('deployments as d', 'd.id', 'dc.deployment_id')
      .innerJoin('deployment_phases as p', (join) =>
        join.onRef('p.deployment_id', '=', 'dc.deployment_id').onRef('p.idx', '=', 'dc.phase'),
      )
      .select([
        'd.id',
        'd.update_id',
        'd.action',
        'd.state',
        'd.plan',
        'd.deadline',
        'd.created_at',
        'd.readvertised_at',
      ])
      .where('dc.computer_id', '=', computerId)
      .where((eb) =>
        eb.or([
          eb.and([eb('d.state', '=', 'active'), eb('p.opened_at', 'is not', null)]),
          eb('d.state', '=', 'rolling-back'),
        ]),
      )
      .execute();
  }

  /** Deployments that target this computer through a group but have not placed it in a phase. */
  async unassignedDeploymentIds(computerId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('group_members as m')
      .innerJoin('deployment_groups as dg', 'dg.group_id', 'm.group_id')
      .innerJoin('deployments as d', 'd.id', 'dg.deployment_id')
      .leftJoin('deployment_computers as dc', (join) =>
        join.onRef('dc.deployment_id', '=', 'd.id').on('dc.computer_id', '=', computerId),
      )
      .select('d.id')
      .distinct()
      .where('m.computer_id', '=', computerId)
      .where('d.state', 'in', ['active', 'completed'])
      .where('dc.computer_id', 'is', null)
      .execute();
    return rows.map((r) => r.id);
  }

  /** The computers of a deployment (up to a phase), for push wake-ups. */
  async computerIds(deploymentId: string, upToPhase?: number): Promise<string[]> {
    let query = this.db
      .selectFrom('deployment_computers')
      .select('computer_id')
      .where('deployment_id', '=', deploymentId);
    if (upToPhase !== undefined) query = query.where('phase', '<=', upToPhase);
    return (await query.execute()).map((r) => r.computer_id);
  }
  // ---- Engine scheduling and joiner placement (helper "engine"; move as one block) ----

  /** Deployments the engine must evaluate now: their next evaluation time has come. */
  async dueDeploymentIds(now: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('deployments')
      .select('id')
      .where('state', 'in', [...liveStates])
      .where('next_evaluation_at', '<=', now)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Brings deployments' next evaluation forward to now (a report, an action, a
   * joiner). Any replica may call it; the leader's next tick sees it. A deployment
   * already due is not written again.
   */
  async markDue(deploymentIds: readonly string[], now: number): Promise<void> {
    if (deploymentIds.length === 0) return;
    await this.db
      .updateTable('deployments')
      .set({ next_evaluation_at: now })
      .where('id', 'in', [...deploymentIds])
      .where('state', 'in', [...liveStates])
      .where((eb) =>
        eb.or([eb('next_evaluation_at', 'is', null), eb('next_evaluation_at', '>', now)]),
      )
      .execute();
  }

  /** Marks due the live deployments of these updates that placed this computer. */
  async markReportedDue(
    computerId: string,
    updateIds: readonly string[],
    now: number,
  ): Promise<void> {
    if (updateIds.length === 0) return;
    await this.db
      .updateTable('deployments')
      .set({ next_evaluation_at: now })
      .where('update_id', 'in', [...updateIds])
      .where('state', 'in', [...liveStates])
      .where((eb) =>
        eb.or([eb('next_evaluation_at', 'is', null), eb('next_evaluation_at', '>', now)]),
      )
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('deployment_computers')
          .select('deployment_id')
          .where('computer_id', '=', computerId),
      )
      .execute();
  }

  /**
   * Stores an evaluation's next time and what the deployment waits for, unless the
   * row was marked due since it was read (`seen`): then it stays due and the next
   * tick evaluates it again. Callers write only when something changed.
   */
  async reschedule(
    deploymentId: string,
    seen: number | null,
    next: number | null,
    waitingFor: string | null,
  ): Promise<void> {
    await this.db
      .updateTable('deployments')
      .set({ next_evaluation_at: next, waiting_for: waitingFor })
      .where('id', '=', deploymentId)
      .where((eb) =>
        seen === null ? eb('next_evaluation_at', 'is', null) : eb('next_evaluation_at', '=', seen),
      )
      .execute();
  }

  /** Computers placed per phase: what placing a joiner needs instead of the whole target. */
  async placedPerPhase(deploymentId: string): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('deployment_computers')
      .select((eb) => ['phase', eb.fn.countAll<number>().as('n')])
      .where('deployment_id', '=', deploymentId)
      .groupBy('phase')
      .execute();
    return new Map(rows.map((r) => [Number(r.phase), Number(r.n)]));
  }

  /** The names of one computer's groups. */
  async groupNamesOfComputer(computerId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('group_members as m')
      .innerJoin('groups as g', 'g.id', 'm.group_id')
      .select('g.name')
      .where('m.computer_id', '=', computerId)
      .execute();
    return rows.map((r) => r.name);
  }
}

/** Deployments the engine evaluates (helper "engine"'s block). */
const liveStates = ['active', 'completed', 'rolling-back'] as const;
