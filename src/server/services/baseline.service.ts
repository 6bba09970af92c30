import type {
  AddBaselineUpdatesRequest,
  BaselineComplianceView,
  BaselineListQuery,
  BaselineView,
  CreateBaselineRequest,
  SetBaselineRequest,
} from '../../contracts/baseline.js';
import type { Page } from '../../contracts/paging.js';
import {
  baselineCompliance,
  type BaselineScan,
  type BaselineState,
  type BaselineStatus,
} from '../../domain/baseline.js';
import type { Clock } from '../../domain/clock.js';
import { offlineAfterMs } from '../../domain/computer-health.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { BaselineRecord, BaselineRepository } from '../../store/baseline.repository.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import { isUniqueViolation } from '../../store/errors.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type { ScanRepository } from '../../store/scan.repository.js';
import type { UpdateRepository } from '../../store/update.repository.js';
import { newId } from './secrets.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toView(b: BaselineRecord): BaselineView {
  return {
    id: b.id,
    name: b.name,
    description: b.description,
    groups: b.groups,
    updates: b.updateIds,
    createdAt: new Date(b.createdAt).toISOString(),
    createdBy: b.createdBy,
  };
}

const unique = (ids: readonly string[]) => [...new Set(ids)];

const taken = (name: string) => new ConflictError(`baseline "${name}" already exists`, { name });

/**
 * Baselines (named sets of updates every computer of their groups must have) and
 * compliance to one, computed from the scan at the time asked (domain/baseline.ts).
 */
export class BaselineService {
  constructor(
    private readonly baselines: BaselineRepository,
    private readonly groups: Pick<GroupRepository, 'findByName'>,
    private readonly updates: Pick<UpdateRepository, 'find'>,
    private readonly deployments: Pick<DeploymentRepository, 'find'>,
    private readonly scans: Pick<ScanRepository, 'forComputers'>,
    private readonly clock: Clock,
    private readonly checkinIntervalSeconds: number,
  ) {}

  async create(request: CreateBaselineRequest, actor: string): Promise<BaselineView> {
    await this.nameFree(request.name);
    const groupIds = await this.groupIds(request.groups);
    const updateIds = await this.known(request.updates);
    await this.named(
      request.name,
      this.baselines.insert({
        id: newId('bsl'),
        name: request.name,
        description: request.description ?? null,
        groupIds,
        updateIds,
        createdAt: this.clock.now(),
        createdBy: actor,
      }),
    );
    return this.show(request.name);
  }

  async find(name: string): Promise<BaselineRecord> {
    const baseline = await this.baselines.findByName(name);
    if (!baseline) throw new NotFoundError('baseline', name);
    return baseline;
  }

  async show(name: string): Promise<BaselineView> {
    return toView(await this.find(name));
  }

  async list(query: BaselineListQuery): Promise<Page<BaselineView>> {
    const page = await this.baselines.page(query);
    return { ...page, items: page.items.map(toView) };
  }

  /**
   * Changes only the fields given: renames it, sets or clears its description, replaces
   * its groups and its updates (each group and update must exist).
   */
  async set(name: string, request: SetBaselineRequest, actor: string): Promise<BaselineView> {
    const baseline = await this.find(name);
    const rename = request.name !== undefined && request.name !== baseline.name;
    if (rename) await this.nameFree(request.name as string);
    const groupIds = request.groups === undefined ? undefined : await this.groupIds(request.groups);
    const updateIds = request.updates === undefined ? undefined : await this.known(request.updates);
    await this.named(
      request.name ?? baseline.name,
      this.baselines.update(
        baseline.id,
        {
          ...(rename && { name: request.name }),
          ...(request.description !== undefined && { description: request.description }),
          ...(groupIds !== undefined && { groupIds }),
          ...(updateIds !== undefined && { updateIds }),
        },
        this.clock.now(),
        actor,
      ),
    );
    return this.show(rename ? (request.name as string) : baseline.name);
  }

  /** Removes the baseline and answers it as it was; its groups and updates stay. */
  async remove(name: string): Promise<BaselineView> {
    const baseline = await this.find(name);
    await this.baselines.remove(baseline.id);
    return toView(baseline);
  }

  /** Adds updates by id and every update of a deployment; those it holds stay as they were. */
  async addUpdates(
    name: string,
    request: AddBaselineUpdatesRequest,
    actor: string,
  ): Promise<BaselineView> {
    const baseline = await this.find(name);
    const ids = [...request.updates];
    if (request.fromDeployment !== undefined) {
      const deployment = await this.deployments.find(request.fromDeployment);
      if (!deployment) throw new NotFoundError('deployment', request.fromDeployment);
      ids.push(...deployment.updateIds);
    }
    await this.baselines.addUpdates(baseline.id, await this.known(ids), this.clock.now(), actor);
    return this.show(name);
  }

  async removeUpdates(name: string, updateIds: readonly string[]): Promise<BaselineView> {
    const baseline = await this.find(name);
    const held = new Set(baseline.updateIds);
    for (const id of updateIds) {
      if (!held.has(id)) throw new NotFoundError(`update of baseline "${name}"`, id);
    }
    await this.baselines.removeUpdates(baseline.id, unique(updateIds));
    return this.show(name);
  }

  /** Each computer of the baseline's groups against its updates, from the scan, now. */
  async compliance(name: string, state?: BaselineState): Promise<BaselineComplianceView> {
    const baseline = await this.find(name);
    const now = this.clock.now();
    const updates = [];
    for (const id of baseline.updateIds) {
      const u = await this.updates.find(id);
      if (u) updates.push({ id, platforms: u.manifest.platforms });
    }
    const computers = await this.baselines.computers(baseline.id);
    const ids = computers.map((c) => c.id);
    const wanted = new Set(baseline.updateIds);
    const scan = new Map<string, BaselineScan>();
    for (const r of await this.scans.forComputers(ids)) {
      if (wanted.has(r.updateId)) scan.set(`${r.computerId}\u0000${r.updateId}`, r);
    }
    const status = new Map<string, BaselineStatus>();
    for (const r of await this.baselines.statuses(ids, baseline.updateIds)) {
      status.set(`${r.computerId}\u0000${r.updateId}`, r);
    }
    const staleAfterMs = offlineAfterMs(this.checkinIntervalSeconds);
    const result = baselineCompliance(
      {
        updates,
        computers,
        scan: (c, u) => scan.get(`${c}\u0000${u}`),
        status: (c, u) => status.get(`${c}\u0000${u}`),
        staleAfterMs,
      },
      now,
    );
    return {
      baseline: toView(baseline),
      generatedAt: new Date(now).toISOString(),
      staleAfterSeconds: Math.round(staleAfterMs / 1000),
      totals: result.totals,
      updates: result.updates,
      computers: result.computers
        .filter((c) => state === undefined || c.state === state)
        .map((c) => ({
          ...c,
          scannedAt: iso(c.scannedAt),
          gaps: c.gaps.map((g) => ({ ...g, since: iso(g.since) })),
        })),
    };
  }

  private async nameFree(name: string): Promise<void> {
    if (await this.baselines.findByName(name)) throw taken(name);
  }

  /** A write that sets the name: one taken meanwhile (a race lost) is a 409 too. */
  private async named(name: string, write: Promise<void>): Promise<void> {
    try {
      await write;
    } catch (error) {
      throw isUniqueViolation(error) ? taken(name) : error;
    }
  }

  /** The groups' ids, each once (else a 404 naming the first unknown group). */
  private async groupIds(names: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const name of unique(names)) {
      const group = await this.groups.findByName(name);
      if (!group) throw new NotFoundError('group', name);
      ids.push(group.id);
    }
    return ids;
  }

  /** The ids, each once, all in the catalog (else a 404 naming the first unknown one). */
  private async known(ids: readonly string[]): Promise<string[]> {
    const out = unique(ids);
    for (const id of out) {
      if (!(await this.updates.find(id))) throw new NotFoundError('update', id);
    }
    return out;
  }
}
