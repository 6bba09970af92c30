import type { DeploymentPlan } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import { evaluateDeployment, type PhaseState } from '../../domain/rollout/engine.js';
import { tallyDeployment, tallyPhases } from '../../domain/deployment/counts.js';
import { rollbackVerdict } from '../../domain/deployment/rollback.js';
import { evaluatedStates, statesBefore } from '../../domain/deployment/state.js';
import type { DeploymentRecord, DeploymentRepository } from '../../store/deployment.repository.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { WakeService } from '../notify/wake.service.js';
import { newSortableId } from '../services/secrets.js';
import { Placer } from './placer.js';
import type { ProgressRecorder } from './progress-recorder.js';

/** How the engine words a phase held by the readiness gate (domain/rollout/engine.ts). */
const CONTENT_WAIT = 'is waiting for content:';

/** Clock time between safety-net sweeps: every live deployment placed over its whole target and evaluated. */
export const SWEEP_EVERY_MS = 10 * 60_000;

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
  /** The earliest next evaluation time seen or stored during the current tick. */
  private soonest = Number.POSITIVE_INFINITY;

  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly events: EventRepository,
    private readonly wake: WakeService,
    private readonly clock: Clock,
    private readonly placer = new Placer(deployments, clock),
    /** Records the counts per phase over time when they change; none: not recorded. */
    private readonly progress: ProgressRecorder | null = null,
    /**
     * The readiness gate's input: per phase, what content its sites lack on their
     * distribution points (null: ready); none: no phase waits for content.
     */
    private readonly contentWaiting:
      ((deploymentId: string, phases: number) => Promise<(string | null)[]>) | null = null,
  ) {}

  /** This process just became the leader: trust nothing kept from before, sweep at the next tick. */
  takeOver(): void {
    this.placer.forget();
    this.progress?.forget();
    this.lastSweepAt = null;
  }

  /**
   * Evaluates what is due and returns the earliest next evaluation time within
   * `horizonMs` of now (null: none), so the loop can wake for it instead of at its next
   * tick: a soak that ends between two ticks opens the next phase when it ends.
   */
  async tick(horizonMs = 0): Promise<number | null> {
    const now = this.clock.now();
    this.soonest = Number.POSITIVE_INFINITY;
    if (this.lastSweepAt === null || now - this.lastSweepAt >= SWEEP_EVERY_MS) {
      // The safety net, rare: a mark lost (a leader change) or a computer that left a
      // target only shows in a full pass.
      this.lastSweepAt = now;
      this.placer.forget();
      for (const d of await this.deployments.inStates(evaluatedStates))
        await this.evaluateDue(d, now);
    } else {
      for (const due of await this.deployments.dueBy(now + horizonMs)) {
        if (due.nextEvaluationAt > now) {
          this.soonest = Math.min(this.soonest, due.nextEvaluationAt);
          continue;
        }
        const deployment = await this.deployments.find(due.id);
        if (deployment) await this.evaluateDue(deployment, now);
      }
    }
    // Evaluations above may have stored times sooner than any the query saw.
    return this.soonest <= now + horizonMs ? this.soonest : null;
  }

  /** Evaluates, then clears a due mark the evaluation left (it stopped early: not active). */
  private async evaluateDue(deployment: DeploymentRecord, now: number): Promise<void> {
    this.rescheduled.delete(deployment.id);
    await this.evaluate(deployment);
    const seen = deployment.nextEvaluationAt;
    if (!this.rescheduled.has(deployment.id) && seen !== null && seen <= now) {
      await this.reschedule(deployment, null, deployment.waitingFor);
    }
    this.rescheduled.delete(deployment.id);
  }

  /** Brings these deployments' next evaluation forward to now (an admin action). */
  markDue(deploymentIds: readonly string[]): Promise<void> {
    return this.deployments.markDue(deploymentIds, this.clock.now());
  }

  /** A computer reported on these updates: its live deployments of them are due. */
  markReported(computerId: string, updateIds: readonly string[]): Promise<void> {
    return this.deployments.markReportedDue(computerId, updateIds, this.clock.now());
  }

  /**
   * Places a computer that just joined a target (enrolled, added to a group, moved
   * into a query group) in its phases now, so its next check-in already counts. Costs
   * O(its deployments): the phase sizes are kept between full passes.
   */
  async placeComputer(computerId: string): Promise<void> {
    const ids = await this.deployments.unplacedDeploymentIds(computerId);
    if (ids.length === 0) return;
    const groups = await this.deployments.groupNamesOfComputer(computerId);
    for (const id of ids) {
      const deployment = await this.deployments.find(id);
      if (deployment)
        await this.placer.placeJoiner(deployment, deployment.plan, computerId, groups);
    }
    await this.deployments.markDue(ids, this.clock.now());
  }

  async evaluate(deployment: DeploymentRecord): Promise<void> {
    const plan = deployment.plan;
    if (deployment.state === 'rolling-back') return this.checkRollback(deployment);
    await this.placer.placeTarget(deployment, plan);
    if (deployment.state !== 'active' && deployment.state !== 'completed') return;

    const now = this.clock.now();
    const phases = await this.phaseStates(deployment, plan);
    await this.progress?.record(deployment.id, phases, now);
    const evaluation = evaluateDeployment(
      { plan, state: 'active', createdAt: deployment.createdAt, phases },
      now,
    );
    if (deployment.state === 'completed') {
      // Still complete: nothing to do. A joiner or a re-imaged computer has work
      // again, so the deployment is active again and its gates apply to them.
      if (evaluation.actions.some((a) => a.type === 'complete')) return;
      if (!(await this.reopen(deployment, evaluation.waitingFor, now))) return;
    }
    for (const action of evaluation.actions) {
      switch (action.type) {
        case 'open-phase':
          if (await this.deployments.openPhase(deployment.id, action.phase, now)) {
            await this.wake.wakeDeployment(deployment.id, action.reason, action.phase);
          }
          break;
        case 'halt':
          if (
            await this.deployments.transition(deployment.id, statesBefore('halt'), {
              state: 'halted',
              stateReason: action.reason,
              waitingFor: null,
              updatedAt: now,
            })
          ) {
            await this.wake.wakeDeployment(deployment.id, action.reason);
          }
          break;
        case 'complete':
          await this.deployments.transition(deployment.id, statesBefore('complete'), {
            state: 'completed',
            stateReason: action.reason,
            updatedAt: now,
          });
          break;
      }
    }
    const events = [...evaluation.events];
    if (
      evaluation.waitingFor !== null &&
      evaluation.waitingFor !== deployment.waitingFor &&
      evaluation.waitingFor.includes(CONTENT_WAIT)
    ) {
      // The timeline tells when (and for what) a phase began to wait for content.
      events.push({
        at: now,
        type: 'waiting-for-content',
        phase: null,
        message: evaluation.waitingFor,
      });
    }
    await this.events.addDeploymentEvents(
      events.map((e) => ({
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
    this.rescheduled.add(deployment.id);
    if (next !== null && next > this.clock.now()) this.soonest = Math.min(this.soonest, next);
    const seen = deployment.nextEvaluationAt;
    if (seen === next && deployment.waitingFor === waitingFor) return;
    await this.deployments.reschedule(deployment.id, seen, next, waitingFor);
  }

  private async phaseStates(
    deployment: DeploymentRecord,
    plan: DeploymentPlan,
  ): Promise<PhaseState[]> {
    const stored = await this.deployments.phases(deployment.id);
    const rows = await this.deployments.phaseCounts(deployment.id);
    // Only a phase still to open can wait for content.
    const content =
      this.contentWaiting && stored.some((p) => p.openedAt === null)
        ? await this.contentWaiting(deployment.id, plan.phases.length)
        : [];
    return tallyPhases(plan.phases.length, rows, plan.maxAttempts).map((tally, idx) => {
      const row = stored.find((p) => p.index === idx);
      return {
        ...tally,
        openedAt: row?.openedAt ?? null,
        promotedAt: row?.promotedAt ?? null,
        contentWaiting: content[idx] ?? null,
      };
    });
  }

  /** A completed deployment with computers left to finish becomes active again. */
  private async reopen(
    deployment: DeploymentRecord,
    waitingFor: string | null,
    now: number,
  ): Promise<boolean> {
    const reason = `reopened: ${waitingFor ?? 'computers still to finish'}`;
    const reopened = await this.deployments.transition(deployment.id, statesBefore('reopen'), {
      state: 'active',
      stateReason: reason,
      updatedAt: now,
    });
    if (reopened) {
      await this.events.addDeploymentEvents([
        {
          id: newSortableId('evt', now),
          deployment_id: deployment.id,
          at: now,
          type: 'reopened',
          phase: null,
          message: reason,
          actor: 'engine',
        },
      ]);
    }
    return reopened;
  }

  /** A rollback is done when no computer of the deployment still has the update. */
  private async checkRollback(deployment: DeploymentRecord): Promise<void> {
    // Only the updates that can be uninstalled are rolled back; the others stay.
    const rows = (await this.deployments.phaseCounts(deployment.id)).filter((r) =>
      deployment.uninstallable.includes(r.updateId),
    );
    const plan = deployment.plan;
    const counts = tallyDeployment(tallyPhases(plan.phases.length, rows, plan.maxAttempts), 0);
    const verdict = rollbackVerdict(counts);
    if (!verdict.done) return;
    const now = this.clock.now();
    if (
      await this.deployments.transition(deployment.id, statesBefore('finish-rollback'), {
        state: 'rolled-back',
        stateReason: verdict.reason,
        updatedAt: now,
      })
    ) {
      await this.events.addDeploymentEvents([
        {
          id: newSortableId('evt', now),
          deployment_id: deployment.id,
          at: now,
          type: 'rolled-back',
          phase: null,
          message: verdict.reason,
          actor: 'engine',
        },
      ]);
    }
  }
}
