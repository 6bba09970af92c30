import { Readable } from 'node:stream';
import { createClient, type Client } from '../../client/api-client.js';
import { upstreamRoutes } from '../../contracts/upstream-routes.js';
import {
  maxStatusBatch,
  type ChildDeploymentReport,
  type UpstreamStatusView,
} from '../../contracts/upstream.js';
import type { Clock } from '../../domain/clock.js';
import { ConflictError } from '../../domain/errors.js';
import { nextCarriedStep, type CarriedAction } from '../../domain/hierarchy/carried-action.js';
import type { Transactor } from '../../store/repositories.js';
import type {
  UpstreamDeploymentRecord,
  UpstreamRepository,
} from '../../store/upstream.repository.js';
import type { BundleService } from '../services/bundle.service.js';
import type { DeploymentActionsService } from '../services/deployment-actions.service.js';
import type { DeploymentService } from '../services/deployment.service.js';

export type UpstreamOptions = {
  /** The parent's base URL. */
  url: string;
  /** A token the parent issued for this child (`ringmaster child add`). */
  token: string;
  /** Trust only this CA (PEM) for an https:// parent. */
  ca?: string | undefined;
  /** Real milliseconds between syncs while the parent answers. */
  intervalMs: number;
  /** The longest wait between tries while it does not (the backoff doubles up to it). */
  maxBackoffMs: number;
};

/** Why a parent's hold halted a deployment here: a resume after a new enable looks for it. */
export const HELD_REASON = 'held by the parent server';
/** How the reason of an action carried from the parent begins here. */
const CARRIED_PREFIX = 'on the parent server';

/**
 * A status is sent up once it is this old (this server's clock): a transaction that
 * took its time before it committed is not passed by the cursor.
 */
export const STATUS_SETTLE_MS = 2_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A child's pull from its parent, one pass at a time: the parent's numbered enablement
 * changes after the stored cursor (the cursor moves in the same transaction that records
 * them, so a crash on either side loses none and repeats none); each enabled deployment
 * not yet made here is fetched as the parent's signed bundle (signer pinned at the first
 * contact, every file checked by SHA-256) and imported, which makes the deployment here,
 * phased by this server's own engine; a hold halts it. Then the statuses go up. Nothing
 * here waits for the parent: computers are served from this server's own data.
 */
export class UpstreamSync {
  private readonly client: Client<typeof upstreamRoutes>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly repo: UpstreamRepository,
    private readonly transaction: Transactor,
    private readonly bundles: BundleService,
    private readonly deployments: DeploymentService,
    private readonly actions: DeploymentActionsService,
    private readonly clock: Clock,
    private readonly options: UpstreamOptions,
    /** Only one process of a child syncs: the engine's leader. */
    private readonly leading: () => boolean,
    private readonly logError: (error: unknown, message: string) => void,
  ) {
    this.client = createClient(upstreamRoutes, {
      url: options.url,
      token: options.token,
      ca: options.ca,
    });
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** What an admin of this server sees of its parent. */
  async status(): Promise<UpstreamStatusView> {
    const [link, rows] = await Promise.all([this.repo.find(), this.repo.deployments()]);
    return {
      parentUrl: link?.parentUrl ?? this.options.url,
      name: link?.childName ?? null,
      signer: link?.signer ?? null,
      cursor: link?.cursor ?? 0,
      lastSyncAt: iso(link?.lastSyncAt ?? null),
      lastReportAt: iso(link?.lastReportAt ?? null),
      lastError: link?.lastError ?? null,
      lastErrorAt: iso(link?.lastErrorAt ?? null),
      statusCursor: link?.statusCursor ?? null,
      deployments: rows.map((r) => ({
        parentDeploymentId: r.parentDeploymentId,
        enabled: r.enabled,
        localDeploymentId: r.localDeploymentId,
        error: r.error,
        updatedAt: new Date(r.updatedAt).toISOString(),
        action:
          r.action === null
            ? null
            : {
                kind: r.action.kind,
                seq: r.action.seq,
                applied: r.appliedActionSeq >= r.action.seq,
              },
      })),
    };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = null));
    }, ms);
  }

  private async tick(): Promise<void> {
    if (!this.leading()) return this.schedule(this.options.intervalMs);
    try {
      await this.sync();
      this.failures = 0;
      this.schedule(this.options.intervalMs);
    } catch (error) {
      this.failures += 1;
      const message = error instanceof Error ? error.message : String(error);
      await this.repo
        .update({ lastError: message, lastErrorAt: this.clock.now() })
        .catch((e: unknown) => this.logError(e, 'recording the upstream error failed'));
      this.logError(error, `upstream sync with ${this.options.url} failed`);
      const backoff = this.options.intervalMs * 2 ** Math.min(this.failures, 16);
      this.schedule(Math.min(backoff, this.options.maxBackoffMs));
    }
  }

  /** One pass: pull the changes, make what is enabled, push the statuses up. */
  async sync(): Promise<void> {
    const link = await this.repo.link(this.options.url);
    let signer = link.signer;
    if (signer === null) {
      // The first contact pins the parent's signing key: later bundles must carry it.
      const hello = await this.client.upstreamHello();
      await this.repo.update({ childName: hello.name, signer: hello.signer });
      signer = hello.signer;
    }
    let cursor = link.cursor;
    for (;;) {
      const page = await this.client.upstreamChanges({ after: cursor });
      const now = this.clock.now();
      await this.transaction(async (repos) => {
        for (const change of page.changes) {
          await repos.upstream.recordChange(
            {
              deploymentId: change.deploymentId,
              enabled: change.enabled,
              action: change.action
                ? {
                    kind: change.action.kind,
                    seq: change.action.seq,
                    reason: change.action.reason,
                    by: change.action.by,
                  }
                : null,
            },
            now,
          );
        }
        await repos.upstream.update({ cursor: page.cursor });
      });
      cursor = page.cursor;
      if (!page.more) break;
    }
    for (const row of await this.repo.deployments()) await this.apply(row, signer);
    await this.report();
    await this.sendStatuses();
    await this.repo.update({ lastSyncAt: this.clock.now(), lastError: null, lastErrorAt: null });
  }

  /** Brings one deployment here in line with the parent's enable or hold, and its actions. */
  private async apply(row: UpstreamDeploymentRecord, signer: string): Promise<void> {
    const made = row.localDeploymentId ?? (await this.make(row, signer));
    if (made !== null) await this.follow(row, made);
  }

  /** Makes an enabled deployment here from the parent's bundle; its id, or null if not made. */
  private async make(row: UpstreamDeploymentRecord, signer: string): Promise<string | null> {
    const actor = `parent ${this.options.url}`;
    if (!row.enabled) return null;
    const now = this.clock.now();
    let bundle: Readable | null = null;
    try {
      bundle = Readable.from(await this.client.upstreamBundle(row.parentDeploymentId));
      const imported = await this.bundles.importBundle(bundle, { expectSigner: signer }, actor);
      await this.repo.setOutcome(
        row.parentDeploymentId,
        { localDeploymentId: imported.deploymentId ?? undefined, error: null },
        now,
      );
      return imported.deploymentId ?? null;
    } catch (error) {
      const made = await this.madeBefore(error, actor);
      if (made !== null) {
        await this.repo.setOutcome(
          row.parentDeploymentId,
          { localDeploymentId: made, error: null },
          now,
        );
        return made;
      }
      // Told here and at the parent (the report carries it); tried again next pass.
      const message = error instanceof Error ? error.message : String(error);
      if (message !== row.error) {
        this.logError(error, `deployment ${row.parentDeploymentId} from the parent not made`);
      }
      await this.repo.setOutcome(row.parentDeploymentId, { error: message }, now);
      return null;
    } finally {
      // A refused bundle is not read to its end: let the connection go.
      bundle?.destroy();
    }
  }

  /**
   * The hold, the enable and the parent's last action, applied to the deployment made
   * here (domain/hierarchy/carried-action.ts): each action once, by its number, in this
   * server's deployment events as the parent's.
   */
  private async follow(row: UpstreamDeploymentRecord, localId: string): Promise<void> {
    const actor = `parent ${this.options.url}`;
    const local = await this.deployments.find(localId);
    const reason = local.stateReason ?? '';
    const step = nextCarriedStep({
      enabled: row.enabled,
      state: local.state,
      haltedByParent: reason === HELD_REASON || reason.startsWith(CARRIED_PREFIX),
      action: row.action && { kind: row.action.kind, seq: row.action.seq },
      appliedSeq: row.appliedActionSeq,
    });
    switch (step.step) {
      case 'none':
        return;
      case 'hold':
        await this.actions.change(local.id, 'halt', HELD_REASON, actor);
        return;
      case 'unhold':
        await this.actions.change(local.id, 'resume', 'enabled again by the parent server', actor);
        return;
      case 'apply': {
        const by = row.action?.by ?? '';
        const why = `${CARRIED_PREFIX} by ${by}: ${row.action?.reason ?? ''}`;
        await this.carry(row.parentDeploymentId, local.id, step.action, why, actor);
        break;
      }
      case 'record':
        break;
    }
    await this.repo.recordApplied(row.parentDeploymentId, step.seq, this.clock.now());
  }

  /** One action of the parent's, done here; refused here (e.g. nothing to uninstall): told up. */
  private async carry(
    parentId: string,
    localId: string,
    action: CarriedAction,
    why: string,
    actor: string,
  ): Promise<void> {
    try {
      await this.actions.change(localId, action, why, actor);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      this.logError(error, `the parent's ${action} of ${parentId} not done here`);
      await this.repo.setOutcome(
        parentId,
        { error: `the parent's ${action} was refused here: ${error.message}` },
        this.clock.now(),
      );
    }
  }

  /**
   * The deployment an earlier pass made of this bundle but did not get to record (the
   * process stopped between the import and the write): the import is refused as a
   * duplicate of a live deployment that this sync made and no other row claims. Null
   * for any other refusal.
   */
  private async madeBefore(error: unknown, actor: string): Promise<string | null> {
    if (!(error instanceof ConflictError) || error.code !== 'duplicate-deployment') return null;
    const { deployments = [] } = (error.details ?? {}) as { deployments?: string[] };
    const claimed = new Set((await this.repo.deployments()).map((r) => r.localDeploymentId));
    for (const id of deployments) {
      if (claimed.has(id)) continue;
      if ((await this.actions.lastEventBy(id, actor)) !== null) return id;
    }
    return null;
  }

  /** Every deployment the parent enabled, as it stands here, counted per status state. */
  private async report(): Promise<void> {
    const deployments: ChildDeploymentReport[] = [];
    for (const row of await this.repo.deployments()) {
      if (row.localDeploymentId === null) {
        if (row.error !== null) {
          deployments.push({
            deploymentId: row.parentDeploymentId,
            localDeploymentId: null,
            state: null,
            counts: {},
            total: 0,
            error: row.error,
          });
        }
        continue;
      }
      const shown = await this.deployments.show(row.localDeploymentId);
      deployments.push({
        deploymentId: row.parentDeploymentId,
        localDeploymentId: shown.id,
        state: shown.state,
        counts: shown.counts,
        total: shown.total,
        error: null,
      });
    }
    const countedAt = this.clock.now();
    await this.client.upstreamReport({ countedAt: new Date(countedAt).toISOString(), deployments });
    await this.repo.update({ lastReportAt: countedAt });
  }

  /**
   * Each computer's status in the deployments made from the parent's, changed since the
   * cursor the parent acknowledged, in bounded batches: the parent stores a batch and its
   * cursor together, so a batch sent again after a lost answer (or either side's restart)
   * changes nothing there, and the next batch starts where the last stored one ended.
   */
  private async sendStatuses(): Promise<void> {
    const rows = await this.repo.deployments();
    const parentOf = new Map<string, string>();
    for (const r of rows) {
      if (r.localDeploymentId !== null) parentOf.set(r.localDeploymentId, r.parentDeploymentId);
    }
    let cursor = (await this.repo.find())?.statusCursor ?? null;
    for (;;) {
      const until = this.clock.now() - STATUS_SETTLE_MS;
      const batch = await this.repo.changedStatuses(
        [...parentOf.keys()],
        cursor,
        until,
        maxStatusBatch,
      );
      const last = batch.cursors.at(-1);
      if (last === undefined) return;
      const answer = await this.client.upstreamStatuses({
        after: cursor,
        cursor: last,
        statuses: batch.rows.map((r) => ({
          computerId: r.computerId,
          hostname: r.hostname,
          updateId: r.updateId,
          deploymentId: parentOf.get(r.localDeploymentId) ?? r.localDeploymentId,
          localDeploymentId: r.localDeploymentId,
          state: r.state,
          reason: r.reason,
          message: r.message,
          updatedAt: new Date(r.updatedAt).toISOString(),
          changedAt: new Date(r.changedAt).toISOString(),
        })),
      });
      cursor = answer.cursor;
      await this.repo.update({ statusCursor: cursor });
      if (batch.rows.length < maxStatusBatch) return;
    }
  }
}
