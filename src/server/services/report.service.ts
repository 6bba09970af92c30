import type { FailureReportView, ProgressReportView } from '../../contracts/report.js';
import { analyseFailures } from '../../domain/analysis/failures.js';
import { expandProgress } from '../../domain/analysis/progress.js';
import { NotFoundError } from '../../domain/errors.js';
import type { AnalysisRepository } from '../../store/analysis.repository.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';

/** The reports of a deployment: what failed and what sets the failed computers apart; progress over time. */
export class ReportService {
  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly analysis: AnalysisRepository,
  ) {}

  private async deployment(id: string) {
    const row = await this.deployments.find(id);
    if (!row) throw new NotFoundError('deployment', id);
    return row;
  }

  async failures(id: string, reason?: string): Promise<FailureReportView> {
    await this.deployment(id);
    const [computers, failed] = await Promise.all([
      this.analysis.targetComputers(id),
      this.analysis.failedStatuses(id),
    ]);
    const result = analyseFailures(computers, failed, { reason });
    return { deploymentId: id, reason: reason ?? null, ...result };
  }

  async progress(id: string): Promise<ProgressReportView> {
    const row = await this.deployment(id);
    const names = row.plan.phases.map((p) => p.name);
    const points = (await this.analysis.progress(id)).map((p) => {
      const full = expandProgress(names, p.at, p.phases);
      return { ...full, at: new Date(full.at).toISOString() };
    });
    return { deploymentId: id, points };
  }
}
