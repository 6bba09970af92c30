import type { EventListQuery } from '../../contracts/list-queries.js';
import type { Page } from '../../contracts/paging.js';
import type {
  DeploymentDetailView,
  DeploymentEventView,
  RedeployRequest,
} from '../../contracts/api.js';
import { phaseGate } from '../../contracts/plan.js';
import type { DeploymentPlan } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import { decideChange } from '../../domain/deployment/state.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type { UpdateRepository } from '../../store/update.repository.js';
import type { EngineLoop } from '../engine/engine-loop.js';
import type { WakeService } from '../notify/wake.service.js';
import type { DeploymentService } from './deployment.service.js';
import { newId, newSortableId } from './secrets.js';

function withoutPolicy(plan: DeploymentPlan): Omit<DeploymentPlan, 'policy'> {
  const { policy: _policy, ...rest } = plan;
  return rest;
}

/** Stop, revoke, roll back, promote and redeploy: each one action, each an event with its reason. */
export class DeploymentActionsService {
  constructor(
    private readonly deployments: DeploymentRepository,
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
    action: 'halt' | 'resume' | 'revoke' | 'rollback',
    reason: string | undefined,
    actor = 'admin',
  ): Promise<DeploymentDetailView> {
    const deployment = await this.reader.find(id);
    const verdict = decideChange(deployment.state, action);
    if (!verdict.ok) {
      throw new ConflictError(`deployment ${id} is ${deployment.state}; ${verdict.reason}`, {
        state: deployment.state,
      });
    }
    if (action === 'rollback' && deployment.uninstallable.length === 0) {
      const which = deployment.updateIds.join(', ');
      const none =
        deployment.updateIds.length > 1
          ? `none of the updates ${which} has an uninstall command`
          : `update ${which} has no uninstall command`;
      throw new ConflictError(
        `${none}, so it cannot be rolled back; halt or revoke the deployment and deploy a fixing update instead`,
        { updates: deployment.updateIds },
        'not-uninstallable',
      );
    }
    const now = this.clock.now();
    const why = reason ?? `${action} by ${actor}`;
    const changed = await this.deployments.transition(id, verdict.from, {
      state: verdict.to,
      stateReason: why,
      waitingFor: null,
      updatedAt: now,
      ...(action === 'rollback' ? { action: 'uninstall' } : {}),
    });
    if (!changed) {
      // Someone else changed it between the read and the write.
      const current = (await this.reader.find(id)).state;
      throw new ConflictError(
        `deployment ${id} is ${current}; ${action} needs it to be ${verdict.from.join(' or ')}`,
        { state: current },
      );
    }
    await this.event(id, action, `${verdict.done}: ${why}`, actor);
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
    const phases = await this.deployments.phases(id);
    const open = phases.filter((p) => p.openedAt !== null);
    const current = open[open.length - 1];
    if (!current || open.length === phases.length) {
      throw new ConflictError(`deployment ${id} has no next phase to promote to`, {
        phases: phases.length,
      });
    }
    const { plan } = deployment;
    if (!phaseGate(plan, current.index).manual) {
      throw new ConflictError(
        `the gate of phase ${current.name} is not manual: the next phase opens by itself when the gate is met, so there is nothing to promote`,
        { phase: current.name },
        'gate-not-manual',
      );
    }
    await this.deployments.promote(id, current.index, this.clock.now());
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
    const targets = await this.deployments.targetComputerIds(
      id,
      request.failedOnly ? ['failed', 'uninstall-failed'] : undefined,
    );
    const now = this.clock.now();
    const why = request.reason ?? `redeploy by ${actor}`;
    if (request.update === undefined || deployment.updateIds.includes(request.update)) {
      await this.deployments.update(id, { readvertisedAt: now, updatedAt: now });
      const verdict = decideChange(deployment.state, 'readvertise');
      if (verdict.ok && deployment.state !== verdict.to) {
        await this.deployments.transition(id, verdict.from, {
          state: verdict.to,
          stateReason: why,
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
    await this.groups.addMembers(groupId, targets);
    const created = await this.reader.create(
      {
        update: request.update,
        group: groupName,
        // The new deployment sets a client policy only if this one did.
        plan: deployment.policy === null ? withoutPolicy(deployment.plan) : deployment.plan,
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

  async listEvents(id: string, query: EventListQuery): Promise<Page<DeploymentEventView>> {
    await this.reader.find(id);
    const { type, since, ...page } = query;
    const result = await this.events.pageDeploymentEvents(
      id,
      { type, since: since === undefined ? undefined : Date.parse(since) },
      page,
    );
    return {
      ...result,
      items: result.items.map((e) => ({
        at: new Date(Number(e.at)).toISOString(),
        type: e.type,
        phase: e.phase,
        message: e.message,
        actor: e.actor,
      })),
    };
  }
}
