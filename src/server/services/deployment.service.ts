import type {
  CreateDeploymentRequest,
  DeploymentDetailView,
  DeploymentView,
} from '../../contracts/api.js';
import type { Clock } from '../../domain/clock.js';
import { NotFoundError } from '../../domain/errors.js';
import { countStates } from '../../domain/status.js';
import type { DeploymentRecord, DeploymentRepository } from '../../store/deployment.repository.js';
import type { UpdateRepository } from '../../store/update.repository.js';
import { toStatusView } from './computer.mapper.js';
import type { GroupService } from './group.service.js';
import { newId } from './secrets.js';

export class DeploymentService {
  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly updates: UpdateRepository,
    private readonly groups: GroupService,
    private readonly clock: Clock,
  ) {}

  /** Approves an update for a group, at once (the simplest plan: one phase, no gate). */
  async create(request: CreateDeploymentRequest): Promise<DeploymentDetailView> {
    if (!(await this.updates.find(request.update)))
      throw new NotFoundError('update', request.update);
    const groupId = await this.groups.requireId(request.group);
    const id = newId('dep');
    await this.deployments.insert(
      { id, update_id: request.update, state: 'active', created_at: this.clock.now() },
      [groupId],
    );
    return this.show(id);
  }

  async list(): Promise<DeploymentView[]> {
    const rows = await this.deployments.list();
    const views: DeploymentView[] = [];
    for (const row of rows) {
      const { computers: _computers, ...summary } = await this.detail(row);
      views.push(summary);
    }
    return views;
  }

  async show(id: string): Promise<DeploymentDetailView> {
    const row = await this.deployments.find(id);
    if (!row) throw new NotFoundError('deployment', id);
    return this.detail(row);
  }

  private async detail(row: DeploymentRecord): Promise<DeploymentDetailView> {
    const targets = await this.deployments.targetStatuses(row.id, row.update_id);
    const computers = targets.map((t) => toStatusView({ ...t, update_id: row.update_id }));
    return {
      id: row.id,
      updateId: row.update_id,
      groups: row.groups,
      state: row.state,
      createdAt: new Date(Number(row.created_at)).toISOString(),
      counts: countStates(computers.map((c) => c.state)),
      total: computers.length,
      computers,
    };
  }
}
