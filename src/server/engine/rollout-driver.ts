import type { DeploymentPlan } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import { evaluateDeployment, type PhaseState } from '../../domain/rollout/engine.js';
import { assignPhases } from '../../domain/rollout/membership.js';
import { tallyDeployment, tallyPhases } from '../../domain/deployment/counts.js';
import { rollbackVerdict } from '../../domain/deployment/rollback.js';
import { statesBefore } from '../../domain/deployment/state.js';
import type { DeploymentRecord, DeploymentRepository } from '../../store/deployment.repository.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { WakeService } from '../notify/wake.service.js';
import { newSortableId } from '../services/secrets.js';

const FULL_PLACEMENT_EVERY_MS = 30_000;

/**
 * Applies the pure engine to stored deployments: assigns new target computers to
 * phases, reads each phase's figures, evaluates, and applies the actions with an
 * event for each. Runs on the leader only.
 */
export class RolloutDriver {
  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly events: EventRepository,
    private readonly wake: WakeService,
    private readonly clock: Clock,
  ) {}

  async tick(): Promise<void> {
    for (const deployment of await this.deployments.inStates([
      'active',
      'completed',
      'rolling-back',
    ])) {
      await this.evaluate(deployment);
    }
  }

  /**
   * Places a computer that just joined a target (enrolled, added to a group, moved
   * into a query group) in its phases now, so its next check-in already counts.
   */
  async placeComputer(computerId: string): Promise<void> {
    for (const id of await this.deployments.unplacedDeploymentIds(computerId)) {
      const deployment = await this.deployments.find(id);
      if (!deployment) continue;
      this.placedAt.delete(id);
      await this.assignNewComputers(deployment, deployment.plan);
    }
  }

  async evaluate(deployment: DeploymentRecord): Promise<void> {
    const plan = deployment.plan;
    if (deployment.state === 'rolling-back') return this.checkRollback(deployment);
    await this.assignNewComputers(deployment, plan);
    if (deployment.state !== 'active' && deployment.state !== 'completed') return;

    const now = this.clock.now();
    const phases = await this.phaseStates(deployment, plan);
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
    await this.deployments.update(deployment.id, {
      nextEvaluationAt: evaluation.nextEvaluationAt,
      waitingFor: evaluation.waitingFor,
    });
  }

  /** When each deployment's whole target was last placed (real time). */
  private readonly placedAt = new Map<string, number>();

  private async assignNewComputers(
    deployment: DeploymentRecord,
    plan: DeploymentPlan,
  ): Promise<void> {
    // Joiners are placed at once as they join (placeComputer); this full pass over
    // the target is the safety net, and need not run at every tick.
    const last = this.placedAt.get(deployment.id);
    if (last !== undefined && Date.now() - last < FULL_PLACEMENT_EVERY_MS) return;
    this.placedAt.set(deployment.id, Date.now());
    const target = await this.deployments.targetComputers(deployment.id);
    const assigned = await this.deployments.placed(deployment.id);
    if ([...target.keys()].every((id) => assigned.has(id))) return;
    const membership = assignPhases({
      deploymentId: deployment.id,
      computerIds: [...target.keys()],
      phases: plan.phases,
      groupsOf: target,
      assigned,
    });
    await this.deployments.place(deployment.id, membership.added);
  }

  private async phaseStates(
    deployment: DeploymentRecord,
    plan: DeploymentPlan,
  ): Promise<PhaseState[]> {
    const stored = await this.deployments.phases(deployment.id);
    const rows = await this.deployments.phaseCounts(deployment.id);
    return tallyPhases(plan.phases.length, rows, plan.maxAttempts).map((tally, idx) => {
      const row = stored.find((p) => p.index === idx);
      return { ...tally, openedAt: row?.openedAt ?? null, promotedAt: row?.promotedAt ?? null };
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
