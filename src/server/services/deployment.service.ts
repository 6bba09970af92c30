import type {
  DeploymentComputerListQuery,
  DeploymentListQuery,
} from '../../contracts/list-queries.js';
import type { Page } from '../../contracts/paging.js';
import type {
  CreateDeploymentRequest,
  DeploymentComputerView,
  DeploymentDetailView,
  DeploymentView,
  DryRunView,
  PhaseView,
} from '../../contracts/api.js';
import { validatePlan, windowIssues, type DeploymentPlan } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import {
  ConflictError,
  NotFoundError,
  ValidationError,
  type FieldIssue,
} from '../../domain/errors.js';
import { dryRun } from '../../domain/rollout/dry-run.js';
import { availableAtMs, deadlineMs } from '../../domain/rollout/schedule.js';
import {
  lastHeardOf,
  noStatusState,
  tallyByUpdate,
  tallyDeployment,
  tallyPhases,
  type CountRow,
  type LastHeard,
} from '../../domain/deployment/counts.js';
import type { StatusState } from '../../domain/status.js';
import { emptyCounts } from '../../domain/status.js';
import type { DeploymentRecord, DeploymentRepository } from '../../store/deployment.repository.js';
import type { PhaseRecord } from '../../store/deployment.records.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { UpdateRepository } from '../../store/update.repository.js';
import type { EngineLoop } from '../engine/engine-loop.js';
import type { GroupService } from './group.service.js';
import type { StatusExplainer } from './status-explainer.js';
import { newId, newSortableId } from './secrets.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function heardView(heard: Partial<Record<StatusState, LastHeard>>) {
  return Object.fromEntries(
    Object.entries(heard).map(([state, h]) => [
      state,
      { statusAt: iso(h.statusAt), checkinAt: iso(h.checkinAt) },
    ]),
  ) as Partial<Record<StatusState, { statusAt: string | null; checkinAt: string | null }>>;
}

const defaultPlan = { phases: [{ name: 'all', percent: 100 }] };

/** Did the request's plan set the client policy (else the computers' groups decide)? */
function explicitPolicy(plan: unknown): boolean {
  return (
    typeof plan === 'object' &&
    plan !== null &&
    'policy' in plan &&
    (plan as { policy?: unknown }).policy !== undefined
  );
}

type Prepared = {
  updateIds: string[];
  uninstallable: string[];
  plan: DeploymentPlan;
  groupIds: string[];
  groupNames: string[];
  installTimeoutSeconds: number;
};

/** Creating deployments (with their plan checked first) and reading them. */
export class DeploymentService {
  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly events: EventRepository,
    private readonly updates: UpdateRepository,
    private readonly groups: GroupService,
    private readonly engine: Pick<EngineLoop, 'nudge'>,
    private readonly clock: Clock,
    private readonly explainer: StatusExplainer,
  ) {}

  /**
   * Checks everything before anything is approved: the updates, the groups, the plan,
   * and that each group's maintenance windows can hold the longest install.
   */
  private async prepare(request: CreateDeploymentRequest): Promise<Prepared> {
    const updateIds = [
      ...new Set([...(request.updates ?? []), ...(request.update ? [request.update] : [])]),
    ];
    const uninstallable: string[] = [];
    let installTimeoutSeconds = 0;
    for (const updateId of updateIds) {
      const update = await this.updates.find(updateId);
      if (!update) throw new NotFoundError('update', updateId);
      const { manifest } = update;
      if (manifest.uninstall) uninstallable.push(updateId);
      installTimeoutSeconds = Math.max(installTimeoutSeconds, manifest.install.timeoutSeconds);
    }
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
      issues.push(...windowIssues(group.windows, installTimeoutSeconds, `groups.${name}.windows`));
    }
    if (result.ok) {
      for (const name of Object.keys(result.plan.recurrenceByGroup)) {
        if (!(await this.groups.exists(name))) {
          issues.push({
            field: `plan.recurrenceByGroup.${name}`,
            message: `group "${name}" does not exist`,
          });
        }
      }
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
      updateIds,
      uninstallable,
      plan: result.plan,
      groupIds,
      groupNames,
      installTimeoutSeconds,
    };
  }

  async create(request: CreateDeploymentRequest, actor: string): Promise<DeploymentDetailView> {
    const { updateIds, uninstallable, plan, groupIds } = await this.prepare(request);
    if (request.allowDuplicate !== true) {
      const live = await this.deployments.liveOf(updateIds, groupIds);
      if (live.length > 0) {
        const again = updateIds.filter((u) => live.some((d) => d.updateIds.includes(u)));
        throw new ConflictError(
          `${again.join(', ')} already deployed to ${live[0]?.groups.join(', ')} by ${live.map((d) => `${d.id} (${d.state})`).join(', ')}; halt or revoke it, or allow a duplicate deployment`,
          { deployments: live.map((d) => d.id) },
          'duplicate-deployment',
        );
      }
    }
    const now = this.clock.now();
    const id = newId('dep');
    await this.deployments.insert(
      {
        id,
        updateIds,
        uninstallable,
        state: 'active',
        createdAt: now,
        plan,
        policy: explicitPolicy(request.plan) ? plan.policy : null,
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
        message: `approved ${updateIds.join(', ')} for ${plan.phases.length} phase(s): ${plan.phases.map((p) => p.name).join(', ')}${emergency}`,
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

  async list(query: DeploymentListQuery): Promise<Page<DeploymentView>> {
    const { state, update, group, q, ...page } = query;
    const result = await this.deployments.page({ state, update, group, q }, page);
    return { ...result, items: await this.summaries(result.items) };
  }

  async find(id: string): Promise<DeploymentRecord> {
    const row = await this.deployments.find(id);
    if (!row) throw new NotFoundError('deployment', id);
    return row;
  }

  /** Its counts per state and per phase; its computers are a list of their own. */
  async show(id: string): Promise<DeploymentDetailView> {
    return this.summaryOf(id);
  }

  /** One page of its computers × updates, each with its phase and status. */
  async computers(
    id: string,
    query: DeploymentComputerListQuery,
  ): Promise<Page<DeploymentComputerView>> {
    const row = await this.find(id);
    const { phases } = row.plan;
    const { state, phase, reason, ...page } = query;
    const phaseIndex = phase === undefined ? undefined : phases.findIndex((p) => p.name === phase);
    if (phaseIndex === -1) {
      const message = `no phase "${String(phase)}" in this deployment (${phases.map((p) => p.name).join(', ')})`;
      throw new ValidationError(`phase: ${message}`, [{ field: 'phase', message }]);
    }
    const result = await this.deployments.pageTargetStatuses(
      id,
      { state, reason, phase: phaseIndex },
      page,
    );
    // Each row explained as the deployment detail did: why it waits, last heard, stale.
    return { ...result, items: await this.explainer.explainTargets(row, result.items) };
  }

  /**
   * The deployment without its computers: counts, phases and state, from aggregate
   * queries. The live stream polls it as the cheap mark of a change.
   */
  async brief(id: string): Promise<DeploymentView> {
    return this.summaryOf(id);
  }

  private async summaryOf(id: string): Promise<DeploymentView> {
    const [view] = await this.summaries([await this.find(id)]);
    if (!view) throw new NotFoundError('deployment', id);
    return view;
  }

  /**
   * Counts come from aggregate queries: a list of deployments never loads their computers.
   * A page of deployments costs three queries (phases, counts, unplaced), not three each.
   */
  private async summaries(rows: readonly DeploymentRecord[]): Promise<DeploymentView[]> {
    const ids = rows.map((r) => r.id);
    const phases = await this.deployments.phasesOf(ids);
    const counts = await this.deployments.phaseCountsOf(ids);
    const unplaced = await this.deployments.unplacedCounts(ids);
    return rows.map((row) =>
      summary(row, {
        phases: phases.get(row.id) ?? [],
        counts: counts.get(row.id) ?? [],
        unplaced: unplaced.get(row.id) ?? 0,
      }),
    );
  }
}

/** A deployment's view from its record and what the store counted for it. */
function summary(
  row: DeploymentRecord,
  facts: { phases: readonly PhaseRecord[]; counts: readonly CountRow[]; unplaced: number },
): DeploymentView {
  const { plan } = row;
  const { phases: phaseRows, counts: rows, unplaced } = facts;
  // A halted, revoked or rolled-back deployment gives a computer without a status nothing.
  const noStatus = noStatusState(row.state);
  const tallies = tallyPhases(plan.phases.length, rows, plan.maxAttempts, noStatus);
  const phases: PhaseView[] = plan.phases.map((p, index) => {
    const stored = phaseRows.find((r) => r.index === index);
    const tally = tallies[index];
    return {
      index,
      name: p.name,
      percent: p.percent ?? null,
      groups: p.groups ?? [],
      openedAt: iso(stored?.openedAt ?? null),
      promotedAt: iso(stored?.promotedAt ?? null),
      size: tally?.size ?? 0,
      counts: tally?.counts ?? emptyCounts(),
      lastHeard: heardView(tally?.lastHeard ?? {}),
    };
  });
  // Every unplaced computer is pending for each update.
  const counts = tallyDeployment(tallies, unplaced * row.updateIds.length, noStatus);
  const byUpdate = tallyByUpdate(row.updateIds, rows, unplaced, noStatus);
  return {
    id: row.id,
    updateId: row.updateIds[0] ?? '',
    updates: row.updateIds,
    groups: row.groups,
    state: row.state,
    stateReason: row.stateReason,
    action: row.action,
    emergency: plan.emergency?.reason ?? null,
    policy: row.policy,
    deadline: iso(row.deadline),
    waitingFor: row.waitingFor,
    createdAt: new Date(row.createdAt).toISOString(),
    counts,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    lastHeard: heardView(lastHeardOf(tallies)),
    countsByUpdate: Object.fromEntries(byUpdate),
    phases,
    plan,
  };
}
