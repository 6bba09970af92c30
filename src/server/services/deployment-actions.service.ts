import type {
  DeploymentAction,
  DeploymentDetailView,
  DeploymentEventView,
  RedeployRequest,
} from '../../contracts/api.js';
import type { Clock } from '../../domain/clock.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type { RolloutRepository } from '../../store/rollout.repository.js';
import type { UpdateRepository } from '../../store/update.repository.js';
import type { EngineLoop } from '../engine/engine-loop.js';
import type { WakeService } from '../notify/wake.service.js';
import type { DeploymentService } from './deployment.service.js';
import { newId, newSortableId } from './secrets.js';

/** Which states each one-action change may start from, and where it leads. */
const transitions: Record<
  Exclude<DeploymentAction, 'redeploy' | 'promote'>,
  { from: string[]; to: string }
> = {
  halt: { from: ['active', 'completed'], to: 'halted' },
  resume: { from: ['halted'], to: 'active' },
  revoke: { from: ['active', 'halted', 'completed'], to: 'revoked' },
  rollback: { from: ['active', 'halted', 'completed', 'revoked'], to: 'rolling-back' },
};

/** Stop, revoke, roll back, promote and redeploy: each one action, each an event with its reason. */
export class DeploymentActionsService {
  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly rollout: RolloutRepository,
    private readonly events: EventRepository,
    private readonly updates: UpdateRepository,
    private readonly groups: GroupRepository,
    private readonly reader: DeploymentService,
    private readonly wake: WakeService,
    private readonly engine: Pick<EngineLoop, 'nudge'>,
    private readonly clock: Clock,
  ) {}

  private async event(
    deploymentId: string,
    type: string,
    message: string,
    actor: string,
    phase: string | null = null,
  ) {
    await this.events.addDeploymentEvents([
      {
        id: newSortableId('evt', this.clock.now()),
        deployment_id: deploymentId,
        at: this.clock.now(),
        type,
        phase,
        message,
        actor,
      },
    ]);
  }

  async change(
    id: string,
    action: keyof typeof transitions,
    reason: string | undefined,
    actor = 'admin',
  ): Promise<DeploymentDetailView> {
    const deployment = await this.reader.find(id);
    const rule = transitions[action];
    if (action === 'rollback') {
      const update = await this.updates.find(deployment.update_id);
      const manifest = update?.manifest;
      if (!manifest?.uninstall) {
        throw new ConflictError(
          `update ${deployment.update_id} has no uninstall command, so it cannot be rolled back; halt or revoke the deployment and deploy a fixing update instead`,
          { update: deployment.update_id },
          'not-uninstallable',
        );
      }
    }
    const now = this.clock.now();
    const why = reason ?? `${action} by ${actor}`;
    const changed = await this.deployments.transition(id, rule.from, {
      state: rule.to,
      state_reason: why,
      waiting_for: null,
      updated_at: now,
      ...(action === 'rollback' ? { action: 'uninstall' } : {}),
    });
    if (!changed) {
      throw new ConflictError(
        `deployment ${id} is ${deployment.state}; ${action} needs it to be ${rule.from.join(' or ')}`,
        { state: deployment.state },
      );
    }
    const past = { halt: 'halted', resume: 'resumed', revoke: 'revoked', rollback: 'rolling back' }[
      action
    ];
    await this.event(id, action, `${past}: ${why}`, actor);
    // Agents drop pending installs (halt, revoke) or start at once (resume, rollback).
    await this.wake.wakeDeployment(id, `${action}: ${why}`);
    await this.engine.nudge(id);
    return this.reader.show(id);
  }

  /** An approver lets the next phase open (for a phase whose gate is manual). */
  async promote(id: string, actor = 'admin'): Promise<DeploymentDetailView> {
    const deployment = await this.reader.find(id);
    if (deployment.state !== 'active') {
      throw new ConflictError(
        `deployment ${id} is ${deployment.state}; only an active one can be promoted`,
        {
          state: deployment.state,
        },
      );
    }
    const phases = await this.rollout.phases(id);
    const open = phases.filter((p) => p.opened_at !== null);
    const current = open[open.length - 1];
    if (!current || open.length === phases.length) {
      throw new ConflictError(`deployment ${id} has no next phase to promote to`, {
        phases: phases.length,
      });
    }
    await this.rollout.promote(id, current.idx, this.clock.now());
    await this.event(
      id,
      'promoted',
      `phase ${current.name} promoted by ${actor}`,
      actor,
      current.name,
    );
    await this.engine.nudge(id);
    return this.reader.show(id);
  }

  /**
   * Re-advertises to the computers that failed. With a new revision of the update,
   * a new deployment of it targets exactly those computers (through a static group).
   */
  async redeploy(
    id: string,
    request: RedeployRequest,
    actor = 'admin',
  ): Promise<DeploymentDetailView> {
    const deployment = await this.reader.find(id);
    const detail = await this.reader.show(id);
    const failed = detail.computers.filter(
      (c) => c.state === 'failed' || c.state === 'uninstall-failed',
    );
    const targets = request.failedOnly ? failed : detail.computers;
    const now = this.clock.now();
    const why = request.reason ?? `redeploy by ${actor}`;
    if (request.update === undefined || request.update === deployment.update_id) {
      await this.deployments.update(id, { readvertised_at: now, updated_at: now });
      if (deployment.state === 'halted' || deployment.state === 'completed') {
        await this.deployments.transition(id, ['halted', 'completed'], {
          state: 'active',
          state_reason: why,
        });
      }
      await this.event(
        id,
        're-advertised',
        `re-advertised to ${targets.length} computer(s)${request.failedOnly ? ' that failed' : ''}: ${why}`,
        actor,
      );
      await this.wake.wakeDeployment(id, why);
      await this.engine.nudge(id);
      return this.reader.show(id);
    }
    if (!(await this.updates.find(request.update)))
      throw new NotFoundError('update', request.update);
    const groupName = `redeploy-${id}-${newId('r').slice(2)}`;
    const groupId = newId('grp');
    await this.groups.insert({ id: groupId, name: groupName, query: null, createdAt: now });
    await this.groups.addMembers(
      groupId,
      targets.map((c) => c.computerId),
    );
    const created = await this.reader.create(
      {
        update: request.update,
        group: groupName,
        plan: deployment.plan === null ? undefined : JSON.parse(deployment.plan),
      },
      actor,
    );
    await this.event(
      id,
      'redeployed',
      `redeployed ${request.update} to ${targets.length} computer(s) as ${created.id}: ${why}`,
      actor,
    );
    return created;
  }

  async listEvents(id: string): Promise<DeploymentEventView[]> {
    await this.reader.find(id);
    return (await this.events.deploymentEvents(id)).map((e) => ({
      at: new Date(Number(e.at)).toISOString(),
      type: e.type,
      phase: e.phase,
      message: e.message,
      actor: e.actor,
    }));
  }
}
