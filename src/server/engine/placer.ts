import type { DeploymentPlan } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import {
  byHashThenId,
  groupPhase,
  hashShares,
  phaseOfRank,
  placeJoiners,
  placementHash,
} from '../../domain/rollout/placement.js';
import type { DeploymentRecord } from '../../store/deployment.repository.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';

type Kept = { at: number; sizes: number[] };

/** Target computers read per query in a full pass: memory stays flat at any size. */
const PAGE = 5_000;

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
    private readonly deployments: DeploymentRepository,
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
      await this.deployments.place(deployment.id, placement.added);
      kept.sizes = placement.sizes;
    });
  }

  private fresh(deployment: DeploymentRecord): Kept | undefined {
    const kept = this.kept.get(deployment.id);
    return kept && kept.at >= (deployment.updatedAt ?? 0) ? kept : undefined;
  }

  /**
   * The full pass, streamed: the target is read a page at a time, twice, and only the
   * hashes of the computers to rank are held (4 bytes each), never the whole target.
   * Pass 1 counts the placed, places those a phase names by group, and collects the
   * others' hashes; sorted, they give each one's rank, so pass 2 places each from its
   * page by `placeComputers`' own rule (same input, same answer). A computer that
   * joins between the passes has no rank: the joiner path places it.
   */
  private async fullPass(deployment: DeploymentRecord, plan: DeploymentPlan): Promise<void> {
    const phases = plan.phases;
    const byGroup = phases.some((p) => (p.groups?.length ?? 0) > 0);
    const sizes = phases.map(() => 0);
    const placed = (phase: number | null): phase is number =>
      phase !== null && phase >= 0 && phase < phases.length;
    const writer = new PlacementWriter(this.deployments, deployment.id, sizes);
    let hashes = new Uint32Array(1024);
    let count = 0;
    for await (const page of this.pages(deployment.id)) {
      const fresh = page.filter((r) => !placed(r.phase)).map((r) => r.computerId);
      const groupsOf = byGroup ? await this.deployments.groupNamesOf(fresh) : null;
      for (const r of page) if (placed(r.phase)) sizes[r.phase] = (sizes[r.phase] ?? 0) + 1;
      for (const id of fresh) {
        const g = groupsOf ? groupPhase(phases, groupsOf.get(id) ?? []) : -1;
        if (g >= 0) writer.add(id, g);
        else {
          if (count === hashes.length) {
            const grown = new Uint32Array(hashes.length * 2);
            grown.set(hashes);
            hashes = grown;
          }
          hashes[count++] = placementHash(deployment.id, id);
        }
      }
      await writer.flush(false);
    }
    await writer.flush(true);
    if (count > 0) {
      const sorted = hashes.subarray(0, count).sort();
      const n = sizes.reduce((sum, x) => sum + x, 0) + count;
      const shares = hashShares(phases, [...sizes], n, count);
      // Colliding hashes are ranked by id once all are seen (rare: 32 bits).
      const ties = new Map<number, string[]>();
      for await (const page of this.pages(deployment.id)) {
        for (const r of page) {
          if (placed(r.phase)) continue; // before, or by group in pass 1
          const h = placementHash(deployment.id, r.computerId);
          const rank = lowerBound(sorted, h);
          if (sorted[rank] !== h) continue; // joined since pass 1
          if (sorted[rank + 1] === h) {
            ties.set(h, [...(ties.get(h) ?? []), r.computerId]);
            continue;
          }
          const phase = phaseOfRank(shares, rank);
          if (phase >= 0) writer.add(r.computerId, phase);
        }
        await writer.flush(false);
      }
      for (const [h, ids] of ties) {
        const rank = lowerBound(sorted, h);
        ids
          .map((id) => ({ id, h }))
          .sort(byHashThenId)
          .forEach((r, k) => {
            const phase = phaseOfRank(shares, rank + k);
            if (phase >= 0) writer.add(r.id, phase);
          });
      }
      await writer.flush(true);
    }
    this.kept.set(deployment.id, { at: this.clock.now(), sizes });
  }

  private async *pages(deploymentId: string) {
    let after: string | undefined;
    for (;;) {
      const page = await this.deployments.targetPage(deploymentId, after, PAGE);
      if (page.length === 0) return;
      yield page;
      if (page.length < PAGE) return;
      after = page[page.length - 1]?.computerId;
    }
  }

  /** One placement after another, so the kept sizes stay exact. */
  private exclusive(work: () => Promise<void>): Promise<void> {
    const run = this.placing.then(work);
    this.placing = run.catch(() => undefined);
    return run;
  }
}

/** The first index of `sorted` holding a value ≥ `value`. */
function lowerBound(sorted: Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** New placements stored in batches as a pass finds them, counted into the phase sizes. */
class PlacementWriter {
  private batch = new Map<string, number>();

  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly deploymentId: string,
    private readonly sizes: number[],
  ) {}

  add(computerId: string, phase: number): void {
    this.batch.set(computerId, phase);
    this.sizes[phase] = (this.sizes[phase] ?? 0) + 1;
  }

  async flush(all: boolean): Promise<void> {
    if (this.batch.size === 0 || (!all && this.batch.size < 500)) return;
    await this.deployments.place(this.deploymentId, this.batch);
    this.batch = new Map();
  }
}
