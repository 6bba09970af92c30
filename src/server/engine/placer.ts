import type { DeploymentPlan } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import { placeComputers, placeJoiners } from '../../domain/rollout/placement.js';
import type { DeploymentRecord } from '../../store/deployment.repository.js';
import type { RolloutRepository } from '../../store/rollout.repository.js';

type Kept = { at: number; sizes: number[] };

/**
 * Stores placements for the leader. A full pass over a deployment's target counts
 * its phase sizes; joiners after it are placed from those sizes alone (O(their
 * deployments), not O(target)). The sizes are kept only in the leader's memory and
 * only until the deployment's state changes (a halted deployment places nobody,
 * so a resume starts with a full pass) or the next sweep.
 */
export class Placer {
  private readonly kept = new Map<string, Kept>();
  private placing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly rollout: RolloutRepository,
    private readonly clock: Clock,
  ) {}

  /** Drop every kept size: the next placement of each deployment is a full pass. */
  forget(): void {
    this.kept.clear();
  }

  /** The full pass over the target, unless sizes are kept for the deployment. */
  placeTarget(deployment: DeploymentRecord, plan: DeploymentPlan): Promise<void> {
    return this.exclusive(async () => {
      if (!this.fresh(deployment)) await this.fullPass(deployment, plan);
    });
  }

  /** Places one computer that joined the deployment's target. */
  placeJoiner(
    deployment: DeploymentRecord,
    plan: DeploymentPlan,
    computerId: string,
    groups: readonly string[],
  ): Promise<void> {
    return this.exclusive(async () => {
      const kept = this.fresh(deployment);
      if (!kept) return this.fullPass(deployment, plan);
      const placement = placeJoiners({
        deploymentId: deployment.id,
        phases: plan.phases,
        sizes: kept.sizes,
        joiners: [computerId],
        groupsOf: new Map([[computerId, groups]]),
      });
      await this.rollout.assign(deployment.id, placement.added);
      kept.sizes = placement.sizes;
    });
  }

  private fresh(deployment: DeploymentRecord): Kept | undefined {
    const kept = this.kept.get(deployment.id);
    return kept && kept.at >= Number(deployment.updated_at ?? 0) ? kept : undefined;
  }

  private async fullPass(deployment: DeploymentRecord, plan: DeploymentPlan): Promise<void> {
    const target = await this.rollout.targetComputers(deployment.id);
    const placed = await this.rollout.assigned(deployment.id);
    const placement = placeComputers({
      deploymentId: deployment.id,
      computerIds: [...target.keys()],
      phases: plan.phases,
      groupsOf: target,
      placed,
    });
    await this.rollout.assign(deployment.id, placement.added);
    this.kept.set(deployment.id, { at: this.clock.now(), sizes: placement.sizes });
  }

  /** One placement after another, so the kept sizes stay exact. */
  private exclusive(work: () => Promise<void>): Promise<void> {
    const run = this.placing.then(work);
    this.placing = run.catch(() => undefined);
    return run;
  }
}
