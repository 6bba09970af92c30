import type { Readable } from 'node:stream';
import type { Page } from '../../contracts/paging.js';
import type {
  ChildComputersQuery,
  ChildComputerView,
  ChildEnablementRequest,
  ChildEnablementView,
  ChildReportRequest,
  ChildStatusBatchRequest,
  ChildStatusBatchView,
  ChildView,
  DeploymentChildView,
  DeploymentTreeView,
  UpstreamChangesQuery,
  UpstreamChangesView,
  UpstreamHelloView,
} from '../../contracts/upstream.js';
import type { Clock } from '../../domain/clock.js';
import { liveStates, type DeploymentState } from '../../domain/deployment/state.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../domain/errors.js';
import type { CarriedAction } from '../../domain/hierarchy/carried-action.js';
import type { ChildRecord, ChildRepository } from '../../store/child.repository.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type { Transactor } from '../../store/repositories.js';
import { version } from '../../version.js';
import type { Actor } from '../http/auth.js';
import { keyIdOf } from '../signing/ed25519.js';
import type { BundleService } from './bundle.service.js';
import type { DeploymentService } from './deployment.service.js';
import { newId } from './secrets.js';
import type { SigningService } from './signing.service.js';
import type { TokenService } from './token.service.js';

/** A child's token lasts long: a server, not a person, holds it. Revoke it to cut the child off. */
const CHILD_TOKEN_SECONDS = 5 * 366 * 86_400;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Counts added up, state by state. */
function addCounts(into: Record<string, number>, more: Record<string, number>): void {
  for (const [state, n] of Object.entries(more)) into[state] = (into[state] ?? 0) + n;
}

/** The action that brings a child newly enabled to a deployment's state here, if any. */
function actionForState(state: DeploymentState): CarriedAction | null {
  if (state === 'halted') return 'halt';
  if (state === 'rolling-back' || state === 'rolled-back') return 'rollback';
  return null;
}

/**
 * A parent's side of the hierarchy. Its admins add children and say, per child, which
 * deployments reach it (enable, hold): approve here, watch it, then let each child have
 * it. The children pull those changes by number, fetch each enabled deployment as a
 * signed bundle, and push their statuses up, which this server shows with its own.
 */
export class ChildService {
  constructor(
    private readonly children: ChildRepository,
    private readonly deploymentRows: DeploymentRepository,
    private readonly deployments: DeploymentService,
    private readonly bundles: BundleService,
    private readonly tokens: TokenService,
    private readonly signing: SigningService,
    private readonly transaction: Transactor,
    private readonly clock: Clock,
  ) {}

  /** A new child, with the token it calls with (shown in this answer only). */
  async add(name: string): Promise<ChildView> {
    if (await this.children.findByName(name)) {
      throw new ConflictError(`a child server named "${name}" exists`, { name });
    }
    const token = await this.tokens.issue({
      name: `child ${name}`,
      user: null,
      role: 'child',
      kind: 'api',
      expiresInSeconds: CHILD_TOKEN_SECONDS,
    });
    const child: ChildRecord = {
      id: newId('child'),
      name,
      tokenId: token.id,
      createdAt: this.clock.now(),
      lastSyncAt: null,
      lastReportAt: null,
    };
    await this.children.create(child);
    return { ...(await this.view(child)), token: token.token };
  }

  async list(): Promise<ChildView[]> {
    const children = await this.children.list();
    return Promise.all(children.map((c) => this.view(c)));
  }

  /** Enables (or holds) one deployment, or all, for a child: each a numbered change. */
  async setEnabled(
    name: string,
    request: ChildEnablementRequest,
    enabled: boolean,
    actor: Actor,
  ): Promise<ChildEnablementView> {
    const child = await this.children.findByName(name);
    if (!child) throw new NotFoundError('child server', name);
    let ids: string[];
    if (request.deployment !== undefined) {
      await this.deployments.find(request.deployment);
      ids = [request.deployment];
    } else if (enabled) {
      ids = (await this.deploymentRows.inStates(liveStates)).map((d) => d.id);
    } else {
      ids = (await this.children.enablements(child.id))
        .filter((e) => e.enabled)
        .map((e) => e.deploymentId);
    }
    const now = this.clock.now();
    const changed = await this.transaction(async (repos) => {
      const done: string[] = [];
      for (const id of ids) {
        if (!(await repos.children.setEnabled(child.id, id, enabled, now, actor.name))) continue;
        done.push(id);
        const [row] = await repos.children.enablements(child.id, id);
        if (!enabled || row?.action !== null) continue;
        // Enabled for the first time while halted or rolled back here: the child starts so too.
        const deployment = await repos.deployments.find(id);
        const kind = deployment ? actionForState(deployment.state) : null;
        if (deployment && kind) {
          const reason = deployment.stateReason ?? `${kind} on the parent server`;
          await repos.children.carryAction(id, { kind, reason, by: actor.name, at: now }, child.id);
        }
      }
      return done;
    });
    return { child: name, changed, enabled };
  }

  /** A deployment across the tree: here, each child as it last reported, and the sum. */
  async tree(deploymentId: string): Promise<DeploymentTreeView> {
    const deployment = await this.deployments.show(deploymentId);
    const [children, enablements, statuses] = await Promise.all([
      this.children.list(),
      this.children.enablements(undefined, deploymentId),
      this.children.statusesOf(deploymentId),
    ]);
    const here = {
      counts: { ...deployment.counts } as Record<string, number>,
      total: deployment.total,
    };
    const tree = { counts: { ...here.counts }, total: here.total };
    const rows: DeploymentChildView[] = children.map((child) => {
      const enablement = enablements.find((e) => e.childId === child.id);
      const status = statuses.find((s) => s.childId === child.id);
      if (status) {
        addCounts(tree.counts, status.counts);
        tree.total += status.total;
      }
      return {
        name: child.name,
        sync: enablement === undefined ? 'not-enabled' : enablement.enabled ? 'enabled' : 'held',
        lastSyncAt: iso(child.lastSyncAt),
        lastReportAt: iso(child.lastReportAt),
        localDeploymentId: status?.localDeploymentId ?? null,
        state: status?.state ?? null,
        counts: status?.counts ?? {},
        total: status?.total ?? 0,
        error: status?.error ?? null,
        countedAt: iso(status?.countedAt ?? null),
      };
    });
    return { deploymentId, here, children: rows, tree };
  }

  // ---- what a child calls --------------------------------------------------------

  /** The child whose token this is; any other caller is refused. */
  private async caller(actor: Actor): Promise<ChildRecord> {
    const child = await this.children.findByToken(actor.tokenId);
    if (!child) throw new ForbiddenError('this token belongs to no child server');
    return child;
  }

  async hello(actor: Actor): Promise<UpstreamHelloView> {
    const child = await this.caller(actor);
    await this.children.touch(child.id, 'last_sync_at', this.clock.now());
    const key = await this.signing.targetsKey();
    return { name: child.name, signer: keyIdOf(key.publicKey), version };
  }

  async changes(actor: Actor, query: UpstreamChangesQuery): Promise<UpstreamChangesView> {
    const child = await this.caller(actor);
    await this.children.touch(child.id, 'last_sync_at', this.clock.now());
    const rows = await this.children.changesAfter(child.id, query.after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return {
      changes: page.map((r) => ({
        seq: r.seq,
        deploymentId: r.deploymentId,
        enabled: r.enabled,
        action: r.action && { ...r.action, at: new Date(r.action.at).toISOString() },
      })),
      cursor: page.at(-1)?.seq ?? query.after,
      more: rows.length > query.limit,
    };
  }

  /** An enabled deployment's bundle; one not enabled for this child is not found. */
  async bundle(actor: Actor, deploymentId: string): Promise<Readable> {
    const child = await this.caller(actor);
    const [enablement] = await this.children.enablements(child.id, deploymentId);
    if (!enablement?.enabled) throw new NotFoundError('deployment', deploymentId);
    return this.bundles.exportBundle(deploymentId);
  }

  async report(actor: Actor, request: ChildReportRequest): Promise<{ received: number }> {
    const child = await this.caller(actor);
    const now = this.clock.now();
    const countedAt = Date.parse(request.countedAt);
    await this.transaction(async (repos) => {
      await repos.children.replaceStatuses(
        child.id,
        request.deployments.map((d) => ({ childId: child.id, ...d, countedAt, receivedAt: now })),
      );
      await repos.children.touch(child.id, 'last_report_at', now);
    });
    return { received: request.deployments.length };
  }

  /**
   * A batch of the child's per-computer statuses and the cursor it ends at, stored
   * together: a batch sent again (its answer was lost) changes nothing, and only the
   * deployments ever enabled for the child (held since, too) are kept.
   */
  async statuses(actor: Actor, request: ChildStatusBatchRequest): Promise<ChildStatusBatchView> {
    const child = await this.caller(actor);
    const now = this.clock.now();
    const enabled = new Set((await this.children.enablements(child.id)).map((e) => e.deploymentId));
    const rows = request.statuses
      .filter((r) => enabled.has(r.deploymentId))
      .map((r) => ({
        ...r,
        childId: child.id,
        updatedAt: Date.parse(r.updatedAt),
        changedAt: Date.parse(r.changedAt),
        receivedAt: now,
      }));
    await this.transaction(async (repos) => {
      await repos.children.storeComputerStatuses(child.id, rows, request.cursor);
      await repos.children.touch(child.id, 'last_report_at', now);
    });
    return { received: rows.length, cursor: request.cursor };
  }

  /** A child's computers as it sent them up, one page. */
  async computers(name: string, query: ChildComputersQuery): Promise<Page<ChildComputerView>> {
    const child = await this.children.findByName(name);
    if (!child) throw new NotFoundError('child server', name);
    const page = await this.children.computerStatuses(
      { childId: child.id, deploymentId: query.deployment, state: query.state },
      query,
    );
    return {
      ...page,
      items: page.items.map((r) => ({
        child: child.name,
        computerId: r.computerId,
        hostname: r.hostname,
        updateId: r.updateId,
        deploymentId: r.deploymentId,
        localDeploymentId: r.localDeploymentId,
        state: r.state,
        reason: r.reason,
        message: r.message,
        updatedAt: new Date(r.updatedAt).toISOString(),
        receivedAt: new Date(r.receivedAt).toISOString(),
      })),
    };
  }

  private async view(child: ChildRecord): Promise<ChildView> {
    const enablements = await this.children.enablements(child.id);
    return {
      id: child.id,
      name: child.name,
      createdAt: new Date(child.createdAt).toISOString(),
      lastSyncAt: iso(child.lastSyncAt),
      lastReportAt: iso(child.lastReportAt),
      enabled: enablements.filter((e) => e.enabled).map((e) => e.deploymentId),
      held: enablements.filter((e) => !e.enabled).map((e) => e.deploymentId),
    };
  }
}
