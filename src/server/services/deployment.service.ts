import type {
  CreateDeploymentRequest,
  DeploymentDetailView,
  DeploymentView,
  DryRunView,
  PhaseView,
} from '../../contracts/api.js';
import { validatePlan, windowIssues, type DeploymentPlan } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import { NotFoundError, ValidationError, type FieldIssue } from '../../domain/errors.js';
import { dryRun } from '../../domain/rollout/dry-run.js';
import { availableAtMs, deadlineMs } from '../../domain/rollout/schedule.js';
import { emptyCounts, statusStates, type StatusState } from '../../domain/status.js';
import type { DeploymentRecord, DeploymentRepository } from '../../store/deployment.repository.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { RolloutRepository } from '../../store/rollout.repository.js';
import type { UpdateRepository } from '../../store/update.repository.js';
import type { EngineLoop } from '../engine/engine-loop.js';
import { storedPlan } from '../engine/rollout-driver.js';
import { toStatusView } from './computer.mapper.js';
import type { GroupService } from './group.service.js';
import { newId, newSortableId } from './secrets.js';

const iso = (ms: number | null): string | null =>
  ms === null ? null : new Date(Number(ms)).toISOString();

const defaultPlan = { phases: [{ name: 'all', percent: 100 }] };

type Prepared = {
  plan: DeploymentPlan;
  groupIds: string[];
  groupNames: string[];
  installTimeoutSeconds: number;
};

/** Creating deployments (with their plan checked first) and reading them. */
export class DeploymentService {
  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly rollout: RolloutRepository,
    private readonly events: EventRepository,
    private readonly updates: UpdateRepository,
    private readonly groups: GroupService,
    private readonly engine: Pick<EngineLoop, 'nudge'>,
    private readonly clock: Clock,
  ) {}

  /**
   * Checks everything before anything is approved: the update, the groups, the plan,
   * and that each group's maintenance windows can hold the install.
   */
  private async prepare(request: CreateDeploymentRequest): Promise<Prepared> {
    const update = await this.updates.find(request.update);
    if (!update) throw new NotFoundError('update', request.update);
    const { manifest } = update;
    const groupNames = [
      ...new Set([...(request.group ? [request.group] : []), ...(request.groups ?? [])]),
    ];
    const result = validatePlan(request.plan ?? defaultPlan);
    const issues: FieldIssue[] = result.ok
      ? []
      : result.issues.map((i) => ({ ...i, field: `plan.${i.field}` }));
    const groupIds: string[] = [];
    for (const name of groupNames) {
      const group = await this.groups.find(name);
      groupIds.push(group.id);
      issues.push(
        ...windowIssues(group.windows, manifest.install.timeoutSeconds, `groups.${name}.windows`),
      );
    }
    if (result.ok) {
      for (const [i, phase] of result.plan.phases.entries()) {
        for (const name of phase.groups ?? []) {
          if (!(await this.groups.exists(name))) {
            issues.push({
              field: `plan.phases.${i}.groups`,
              message: `group "${name}" does not exist`,
            });
          }
        }
      }
    }
    if (issues.length > 0 || !result.ok) {
      throw new ValidationError(issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
    }
    return {
      plan: result.plan,
      groupIds,
      groupNames,
      installTimeoutSeconds: manifest.install.timeoutSeconds,
    };
  }

  async create(request: CreateDeploymentRequest, actor = 'admin'): Promise<DeploymentDetailView> {
    const { plan, groupIds } = await this.prepare(request);
    const now = this.clock.now();
    const id = newId('dep');
    await this.deployments.insert(
      {
        id,
        update_id: request.update,
        state: 'active',
        created_at: now,
        updated_at: now,
        plan: JSON.stringify(plan),
        action: 'install',
        deadline: deadlineMs(plan, availableAtMs(plan, now)),
      },
      groupIds,
      plan.phases.map((p) => p.name),
    );
    const emergency = plan.emergency ? ` EMERGENCY: ${plan.emergency.reason}` : '';
    await this.events.addDeploymentEvents([
      {
        id: newSortableId('evt', now),
        deployment_id: id,
        at: now,
        type: 'created',
        phase: null,
        message: `approved ${request.update} for ${plan.phases.length} phase(s): ${plan.phases.map((p) => p.name).join(', ')}${emergency}`,
        actor,
      },
    ]);
    // The leader opens the first phase at its next tick; an emergency wakes its computers then.
    await this.engine.nudge(id);
    return this.show(id);
  }

  async dryRun(request: CreateDeploymentRequest): Promise<DryRunView> {
    const { plan, groupNames, installTimeoutSeconds } = await this.prepare(request);
    const computers = await this.groups.computersOf(groupNames);
    const result = dryRun({
      deploymentId: 'dry-run',
      plan,
      computers,
      windowsByGroup: await this.groups.windowsByGroup(),
      installTimeoutSeconds,
      now: this.clock.now(),
    });
    return {
      phases: result.phases.map((p) => ({
        ...p,
        groups: [...p.groups],
        earliestOpenAt: new Date(p.earliestOpenAt).toISOString(),
        computers: p.computers.map((c) => ({ ...c, earliestStartAt: iso(c.earliestStartAt) })),
      })),
      unreached: result.unreached.map((c) => ({ id: c.id, hostname: c.hostname })),
    };
  }

  async list(): Promise<DeploymentView[]> {
    const views: DeploymentView[] = [];
    for (const row of await this.deployments.list()) views.push(await this.summary(row));
    return views;
  }

  async find(id: string): Promise<DeploymentRecord> {
    const row = await this.deployments.find(id);
    if (!row) throw new NotFoundError('deployment', id);
    return row;
  }

  async show(id: string): Promise<DeploymentDetailView> {
    const row = await this.find(id);
    const plan = storedPlan(row);
    const targets = await this.deployments.targetStatuses(row.id, row.update_id);
    const computers = targets.map((t) => ({
      ...toStatusView({ ...t, update_id: row.update_id }),
      phase: t.phase === null ? null : (plan.phases[Number(t.phase)]?.name ?? null),
    }));
    return { ...(await this.summary(row)), computers };
  }

  /** Counts come from one aggregate query: a list of deployments never loads their computers. */
  private async summary(row: DeploymentRecord): Promise<DeploymentView> {
    const plan = storedPlan(row);
    const phaseRows = await this.rollout.phases(row.id);
    const counted = await this.rollout.phaseCounts(row.id, row.update_id, plan.maxAttempts);
    const unplaced = await this.deployments.unplacedCount(row.id);
    const phases: PhaseView[] = plan.phases.map((p, index) => {
      const stored = phaseRows.find((r) => r.idx === index);
      const counts = emptyCounts();
      for (const c of counted.filter((c) => c.phase === index)) {
        counts[(c.state ?? 'pending') as StatusState] += c.n;
      }
      return {
        index,
        name: p.name,
        percent: p.percent ?? null,
        groups: p.groups ?? [],
        openedAt: iso(stored?.opened_at ?? null),
        promotedAt: iso(stored?.promoted_at ?? null),
        size: Object.values(counts).reduce((a, b) => a + b, 0),
        counts,
      };
    });
    const counts = emptyCounts();
    counts.pending += unplaced;
    for (const p of phases) for (const s of statusStates) counts[s] += p.counts[s];
    return {
      id: row.id,
      updateId: row.update_id,
      groups: row.groups,
      state: row.state,
      stateReason: row.state_reason,
      action: row.action === 'uninstall' ? 'uninstall' : 'install',
      emergency: plan.emergency?.reason ?? null,
      deadline: iso(row.deadline),
      waitingFor: row.waiting_for,
      createdAt: new Date(Number(row.created_at)).toISOString(),
      counts,
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      phases,
      plan,
    };
  }
}
