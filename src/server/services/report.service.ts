import type { FailureReportView, ProgressReportView } from '../../contracts/report.js';
import { analyseFailures } from '../../domain/analysis/failures.js';
import { expandProgress } from '../../domain/analysis/progress.js';
import { NotFoundError } from '../../domain/errors.js';
import type { AnalysisRepository } from '../../store/analysis.repository.js';
import type { ChildRepository } from '../../store/child.repository.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';

/** The reports of a deployment: what failed and what sets the failed computers apart; progress over time. */
export class ReportService {
  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly analysis: AnalysisRepository,
    private readonly children: ChildRepository,
  ) {}

  private async deployment(id: string) {
    const row = await this.deployments.find(id);
    if (!row) throw new NotFoundError('deployment', id);
    return row;
  }

  async failures(id: string, reason?: string): Promise<FailureReportView> {
    await this.deployment(id);
    const [computers, failed, children] = await Promise.all([
      this.analysis.targetComputers(id),
      this.analysis.failedStatuses(id),
      this.childFailures(id, reason),
    ]);
    const result = analyseFailures(computers, failed, { reason });
    return { deploymentId: id, reason: reason ?? null, ...result, children };
  }

  /** Each child server with failed computers in the deployment, by name, most reasons first. */
  private async childFailures(id: string, reason?: string): Promise<FailureReportView['children']> {
    const [found, children] = await Promise.all([
      this.children.failuresOf(id, reason),
      this.children.list(),
    ]);
    return children.flatMap((child) => {
      const computers = found.computers.find((c) => c.childId === child.id)?.computers ?? 0;
      if (computers === 0) return [];
      const reasons = found.reasons
        .filter((r) => r.childId === child.id)
        .map((r) => ({ reason: r.reason, failures: r.failures }))
        .sort((a, b) => b.failures - a.failures || a.reason.localeCompare(b.reason));
      return [{ name: child.name, failedComputers: computers, reasons }];
    });
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
