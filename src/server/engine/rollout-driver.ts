import { planSchema, type DeploymentPlan } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import { evaluateDeployment, type PhaseState } from '../../domain/rollout/engine.js';
import { uninstallableStates } from '../../domain/rollout/offer.js';
import type { StatusState } from '../../domain/status.js';
import type { DeploymentRecord, DeploymentRepository } from '../../store/deployment.repository.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { RolloutRepository } from '../../store/rollout.repository.js';
import type { WakeService } from '../notify/wake.service.js';
import { newSortableId } from '../services/secrets.js';
import { Placer } from './placer.js';

/** Clock time between safety-net sweeps: every live deployment placed over its whole target and evaluated. */
export const SWEEP_EVERY_MS = 10 * 60_000;

const liveStates = ['active', 'completed', 'rolling-back'];

const planCache = new Map<string, DeploymentPlan>();

/**
 * The stored plan with its defaults. Plans do not change once approved, and every
 * check-in that reads a deployment needs one, so parsed plans are kept by their text.
 */
export function storedPlan(row: Pick<DeploymentRecord, 'plan'>): DeploymentPlan {
  const text = row.plan ?? '{"phases":[{"name":"all","percent":100}]}';
  let plan = planCache.get(text);
  if (!plan) {
    if (planCache.size >= 10_000) planCache.clear();
    plan = planSchema.parse(JSON.parse(text));
    planCache.set(text, plan);
  }
  return plan;
}

/**
 * Applies the pure engine to stored deployments: places new target computers in
 * phases, reads each phase's figures, evaluates, and applies the actions with an
 * event for each. Runs on the leader only.
 *
 * A tick evaluates only the deployments that are due: their next evaluation time
 * (computed by the pure engine: a soak's end, a phase's start time) has come, or a
 * report, an action or a joiner marked them due (`markDue`, from any replica). An
 * idle deployment costs one query per tick and no writes.
 */
export class RolloutDriver {
  private lastSweepAt: number | null = null;
  /** Deployments whose evaluation stored its next time (see `evaluateDue`). */
  private readonly rescheduled = new Set<string>();

  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly rollout: RolloutRepository,
    private readonly events: EventRepository,
    private readonly wake: WakeService,
    private readonly clock: Clock,
    private readonly placer = new Placer(rollout, clock),
  ) {}

  /** This process just became the leader: trust nothing kept from before, sweep at the next tick. */
  takeOver(): void {
    this.placer.forget();
    this.lastSweepAt = null;
  }

  async tick(): Promise<void> {
    const now = this.clock.now();
    if (this.lastSweepAt === null || now - this.lastSweepAt >= SWEEP_EVERY_MS) {
      // The safety net, rare: a mark lost (a leader change) or a computer that left a
      // target only shows in a full pass.
      this.lastSweepAt = now;
      this.placer.forget();
      for (const d of await this.deployments.inStates(liveStates)) await this.evaluateDue(d, now);
      return;
    }
    for (const id of await this.rollout.dueDeploymentIds(now)) {
      const deployment = await this.deployments.find(id);
      if (deployment) await this.evaluateDue(deployment, now);
    }
  }

  /** Evaluates, then clears a due mark the evaluation left (it stopped early: not active). */
  private async evaluateDue(deployment: DeploymentRecord, now: number): Promise<void> {
    this.rescheduled.delete(deployment.id);
    await this.evaluate(deployment);
    const seen = deployment.next_evaluation_at;
    if (!this.rescheduled.has(deployment.id) && seen !== null && Number(seen) <= now) {
      await this.reschedule(deployment, null, deployment.waiting_for);
    }
    this.rescheduled.delete(deployment.id);
  }

  /** Brings these deployments' next evaluation forward to now (an admin action). */
  markDue(deploymentIds: readonly string[]): Promise<void> {
    return this.rollout.markDue(deploymentIds, this.clock.now());
  }

  /** A computer reported on these updates: its live deployments of them are due. */
  markReported(computerId: string, updateIds: readonly string[]): Promise<void> {
    return this.rollout.markReportedDue(computerId, updateIds, this.clock.now());
  }

  /**
   * Places a computer that just joined a target (enrolled, added to a group, moved
   * into a query group) in its phases now, so its next check-in already counts. Costs
   * O(its deployments): the phase sizes are kept between full passes.
   */
  async placeComputer(computerId: string): Promise<void> {
    const ids = await this.rollout.unassignedDeploymentIds(computerId);
    if (ids.length === 0) return;
    const groups = await this.rollout.groupNamesOfComputer(computerId);
    for (const id of ids) {
      const deployment = await this.deployments.find(id);
      if (deployment)
        await this.placer.placeJoiner(deployment, storedPlan(deployment), computerId, groups);
    }
    await this.rollout.markDue(ids, this.clock.now());
  }

  async evaluate(deployment: DeploymentRecord): Promise<void> {
    const plan = storedPlan(deployment);
    if (deployment.state === 'rolling-back') return this.checkRollback(deployment);
    await this.placer.placeTarget(deployment, plan);
    if (deployment.state !== 'active') return;

    const now = this.clock.now();
    const phases = await this.phaseStates(deployment, plan);
    const evaluation = evaluateDeployment(
      { plan, status: 'active', createdAt: Number(deployment.created_at), phases },
      now,
    );
    for (const action of evaluation.actions) {
      switch (action.type) {
        case 'open-phase':
          if (await this.rollout.openPhase(deployment.id, action.phase, now)) {
            await this.wake.wakeDeployment(deployment.id, action.reason, action.phase);
          }
          break;
        case 'halt':
          if (
            await this.deployments.transition(deployment.id, ['active'], {
              state: 'halted',
              state_reason: action.reason,
              waiting_for: null,
              updated_at: now,
            })
          ) {
            await this.wake.wakeDeployment(deployment.id, action.reason);
          }
          break;
        case 'complete':
          await this.deployments.transition(deployment.id, ['active'], {
            state: 'completed',
            state_reason: action.reason,
            updated_at: now,
          });
          break;
      }
    }
    await this.events.addDeploymentEvents(
      evaluation.events.map((e) => ({
        id: newSortableId('evt', e.at),
        deployment_id: deployment.id,
        at: e.at,
        type: e.type,
        phase: e.phase,
        message: e.message,
        actor: 'engine',
      })),
    );
    await this.reschedule(deployment, evaluation.nextEvaluationAt, evaluation.waitingFor);
  }

  /** Writes the next evaluation time and what the deployment waits for, only when they change. */
  private async reschedule(
    deployment: DeploymentRecord,
    next: number | null,
    waitingFor: string | null,
  ): Promise<void> {
    const seen =
      deployment.next_evaluation_at === null ? null : Number(deployment.next_evaluation_at);
    if (seen === next && deployment.waiting_for === waitingFor) return;
    await this.rollout.reschedule(deployment.id, seen, next, waitingFor);
  }

  private async phaseStates(
    deployment: DeploymentRecord,
    plan: DeploymentPlan,
  ): Promise<PhaseState[]> {
    const stored = await this.rollout.phases(deployment.id);
    const counts = await this.rollout.phaseCounts(
      deployment.id,
      deployment.update_id,
      plan.maxAttempts,
    );
    return plan.phases.map((_, idx) => {
      const row = stored.find((p) => p.idx === idx);
      const mine = counts.filter((c) => c.phase === idx);
      const byState: Partial<Record<StatusState, number>> = {};
      for (const c of mine) {
        const state = (c.state ?? 'pending') as StatusState;
        byState[state] = (byState[state] ?? 0) + c.n;
      }
      return {
        openedAt: row?.opened_at ?? null,
        promotedAt: row?.promoted_at ?? null,
        size: mine.reduce((sum, c) => sum + c.n, 0),
        counts: byState,
        exhausted: mine.reduce((sum, c) => sum + c.exhausted, 0),
      };
    });
  }

  /** A rollback is done when no computer of the deployment still has the update. */
  private async checkRollback(deployment: DeploymentRecord): Promise<void> {
    const counts = await this.rollout.phaseCounts(
      deployment.id,
      deployment.update_id,
      2_147_483_647, // no failure counts as exhausted here (the largest integer both engines take)
    );
    const left = counts.filter(
      (c) => c.state !== null && uninstallableStates.has(c.state as StatusState),
    );
    if (left.some((c) => c.n > 0)) return;
    const failed = counts
      .filter((c) => c.state === 'uninstall-failed')
      .reduce((s, c) => s + c.n, 0);
    const removed = counts.filter((c) => c.state === 'uninstalled').reduce((s, c) => s + c.n, 0);
    const now = this.clock.now();
    const reason =
      `rolled back: removed from ${removed} computer(s)` +
      (failed > 0 ? `, ${failed} uninstall(s) failed` : '');
    if (
      await this.deployments.transition(deployment.id, ['rolling-back'], {
        state: 'rolled-back',
        state_reason: reason,
        updated_at: now,
      })
    ) {
      await this.events.addDeploymentEvents([
        {
          id: newSortableId('evt', now),
          deployment_id: deployment.id,
          at: now,
          type: 'rolled-back',
          phase: null,
          message: reason,
          actor: 'engine',
        },
      ]);
    }
  }
}
