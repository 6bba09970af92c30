import type {
  Assignment,
  CheckinResponse,
  ReportsResponse,
  StatusReport,
} from '../../contracts/agent-protocol.js';
import type { Inventory } from '../../contracts/inventory.js';
import { updateManifest } from '../../contracts/manifest.js';
import { planAssignments, type KnownStatus } from '../../domain/assignment.js';
import type { Clock } from '../../domain/clock.js';
import { NotFoundError } from '../../domain/errors.js';
import type { FailureReason, StatusState } from '../../domain/status.js';
import type { ComputerRepository } from '../../store/computer.repository.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type { StatusRepository } from '../../store/status.repository.js';
import type { UpdateRepository } from '../../store/update.repository.js';
import { inventoryChanged, inventoryColumns } from './computer.mapper.js';
import type { MembershipService } from './membership.service.js';

export type AgentServiceOptions = { checkinIntervalSeconds: number };

/** The server's side of the agent protocol: check-ins and status reports. */
export class AgentService {
  constructor(
    private readonly computers: ComputerRepository,
    private readonly deployments: DeploymentRepository,
    private readonly updates: UpdateRepository,
    private readonly statuses: StatusRepository,
    private readonly membership: MembershipService,
    private readonly clock: Clock,
    private readonly options: AgentServiceOptions,
  ) {}

  async checkin(computerId: string, inventory: Inventory): Promise<CheckinResponse> {
    const now = this.clock.now();
    const computer = await this.computers.find(computerId);
    if (!computer) throw new NotFoundError('computer', computerId);
    const columns = inventoryColumns(inventory);
    await this.computers.recordCheckin(computerId, columns, now);
    if (inventoryChanged(computer, columns))
      await this.membership.refreshComputer(computerId, inventory);

    const reaching = await this.deployments.activeForComputer(computerId);
    const assignments: Assignment[] = [];
    if (reaching.length > 0) {
      const known = new Map<string, KnownStatus>(
        (await this.statuses.forComputer(computerId)).map((s) => [
          s.update_id,
          {
            state: s.state as StatusState,
            reason: s.reason as FailureReason | null,
            updatedAt: Number(s.updated_at),
          },
        ]),
      );
      const planned = planAssignments(
        reaching.map((d) => ({
          deploymentId: d.id,
          updateId: d.update_id,
          createdAt: Number(d.created_at),
        })),
        known,
        now,
      );
      for (const p of planned) {
        const update = await this.updates.find(p.updateId);
        if (!update) continue;
        assignments.push({
          ...p,
          manifest: updateManifest.parse(JSON.parse(update.manifest)),
          files: update.files.map((f) => ({
            path: f.path,
            sha256: f.sha256,
            size: Number(f.size),
          })),
          policy: 'auto-download',
          installAt: null,
          deadline: null,
          noAutoRestartWhileLoggedOn: false,
          emergency: false,
        });
      }
    }
    return {
      computerId,
      assignments,
      nextCheckinSeconds: this.options.checkinIntervalSeconds,
      ackedSeq: Number(computer.report_seq),
    };
  }

  async report(computerId: string, reports: StatusReport[]): Promise<ReportsResponse> {
    const known = new Set<string>();
    for (const id of new Set(reports.map((r) => r.updateId))) {
      if (await this.updates.find(id)) known.add(id);
    }
    const ackedSeq = await this.statuses.applyReports(computerId, reports, known, this.clock.now());
    return { ackedSeq };
  }
}
