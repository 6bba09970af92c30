import { compactPhases, sameProgress, type CompactCounts } from '../../domain/analysis/progress.js';
import type { StatusState } from '../../domain/status.js';
import type { AnalysisRepository } from '../../store/analysis.repository.js';

/**
 * Records a deployment's counts per phase and state when they changed since the last
 * point: at most one row per evaluation, none while nothing moves. The last point of
 * each deployment is kept in memory; after a restart or a leader change it is read once.
 */
export class ProgressRecorder {
  private readonly last = new Map<string, { seq: number; phases: CompactCounts[] }>();

  constructor(private readonly analysis: AnalysisRepository) {}

  /** A new leader trusts nothing kept from before. */
  forget(): void {
    this.last.clear();
  }

  async record(
    deploymentId: string,
    phases: readonly { counts: Partial<Record<StatusState, number>> }[],
    now: number,
  ): Promise<boolean> {
    const counts = compactPhases(phases.map((p) => p.counts));
    let last = this.last.get(deploymentId);
    if (!last) {
      const stored = await this.analysis.lastProgress(deploymentId);
      last = stored ? { seq: stored.seq, phases: stored.phases } : { seq: 0, phases: [] };
    }
    if (last.seq > 0 && sameProgress(last.phases, counts)) {
      this.last.set(deploymentId, last);
      return false;
    }
    const next = { seq: last.seq + 1, phases: counts };
    await this.analysis.addProgress(deploymentId, { seq: next.seq, at: now, phases: counts });
    this.last.set(deploymentId, next);
    return true;
  }
}
