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
import { statusMoveFor } from '../../domain/deployment/status-moves.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { isCarriedAction } from '../../domain/hierarchy/carried-action.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type { Transactor } from '../../store/repositories.js';
import type { UpdateRepository } from '../../store/update.repository.js';
import type { EngineLoop } from '../engine/engine-loop.js';
import type { WakeService } from '../notify/wake.service.js';
import type { DeploymentService } from './deployment.service.js';
import { newId, newSortableId } from './secrets.js';

function withoutPolicy(plan: DeploymentPlan): Omit<DeploymentPlan, 'policy'> {
  const { policy: _policy, ...rest } = plan;
  return rest;
}

const movedWord = (action: string): string => (action === 'resume' ? 'pending again' : 'cancelled');

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
    private readonly transaction: Transactor,
  ) {}

  private eventRow(
    deploymentId: string,
    type: string,
    message: string,
    actor: string,
    phase: string | null = null,
  ) {
    return {
      id: newSortableId('evt', this.clock.now()),
      deployment_id: deploymentId,
      at: this.clock.now(),
      type,
      phase,
      message,
      actor,
    };
  }

  private async event(
    deploymentId: string,
    type: string,
    message: string,
    actor: string,
    phase: string | null = null,
  ) {
    await this.events.addDeploymentEvents([
      this.eventRow(deploymentId, type, message, actor, phase),
    ]);
  }

  async change(
    id: string,
    action: 'halt' | 'resume' | 'revoke' | 'rollback',
    reason: string | undefined,
    actor: string,
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
    const move = statusMoveFor(action, actor, now);
    // The deployment, its computers' statuses and the event change together or not at all.
    const changed = await this.transaction(async (repos) => {
      const done = await repos.deployments.transition(id, verdict.from, {
        state: verdict.to,
        stateReason: why,
        waitingFor: null,
        updatedAt: now,
        ...(action === 'rollback' ? { action: 'uninstall' } : {}),
      });
      if (!done) return false;
      const moved = move === null ? 0 : await repos.statuses.move(id, move);
      const what = moved > 0 ? ` (${moved} status(es) ${movedWord(action)})` : '';
      await repos.events.addDeploymentEvents([
        this.eventRow(id, action, `${verdict.done}: ${why}${what}`, actor),
      ]);
      // Each child server that has it gets the action as its next numbered change.
      if (isCarriedAction(action)) {
        await repos.children.carryAction(id, { kind: action, reason: why, by: actor, at: now });
      }
      return true;
    });
    if (!changed) {
      // Someone else changed it between the read and the write.
      const current = (await this.reader.find(id)).state;
      throw new ConflictError(
        `deployment ${id} is ${current}; ${action} needs it to be ${verdict.from.join(' or ')}`,
        { state: current },
      );
    }
    // Agents drop pending installs (halt, revoke) or start at once (resume, rollback).
    await this.wake.wakeDeployment(id, `${action}: ${why}`);
    await this.engine.nudge(id);
    return this.reader.show(id);
  }

  /** An approver lets the next phase open (for a phase whose gate is manual). */
  async promote(id: string, actor: string): Promise<DeploymentDetailView> {
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
    actor: string,
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

  /** The newest event `actor` made on a deployment: what an audit entry points to. */
  async lastEventBy(id: string, actor: string): Promise<DeploymentEventView | null> {
    const events = (await this.events.deploymentEvents(id)).filter((e) => e.actor === actor);
    const e = events.at(-1);
    if (!e) return null;
    return {
      id: e.id,
      at: new Date(Number(e.at)).toISOString(),
      type: e.type,
      phase: e.phase,
      message: e.message,
      actor: e.actor,
    };
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
        id: e.id,
        at: new Date(Number(e.at)).toISOString(),
        type: e.type,
        phase: e.phase,
        message: e.message,
        actor: e.actor,
      })),
    };
  }
}
