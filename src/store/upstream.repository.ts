import type { Kysely } from 'kysely';
import type { CarriedAction } from '../domain/hierarchy/carried-action.js';
import { decodeCursor, encodeCursor, keysAfter } from './paging.js';
import type { Database } from './schema.js';

const LINK = 'parent';

/** On a child: its parent, the cursor and freshness of the sync. */
export type UpstreamLinkRecord = {
  parentUrl: string;
  childName: string | null;
  signer: string | null;
  cursor: number;
  lastSyncAt: number | null;
  lastReportAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  /** Where the next batch of statuses sent up starts (the parent acknowledged it); null: the start. */
  statusCursor: string | null;
};

export type UpstreamDeploymentRecord = {
  parentDeploymentId: string;
  enabled: boolean;
  localDeploymentId: string | null;
  error: string | null;
  updatedAt: number;
  /** The parent's last halt, resume or rollback of it, with its number. */
  action: { kind: CarriedAction; seq: number; reason: string; by: string } | null;
  /** The number of the last action applied here (0: none). */
  appliedActionSeq: number;
};

/** A change of the parent's feed, as recorded here. */
export type UpstreamChangeRecord = {
  deploymentId: string;
  enabled: boolean;
  action: { kind: CarriedAction; seq: number; reason: string; by: string } | null;
};

/** A computer's status here, in a deployment made from the parent's, to send up. */
export type ChangedStatusRecord = {
  computerId: string;
  hostname: string;
  updateId: string;
  localDeploymentId: string;
  state: string;
  reason: string | null;
  message: string | null;
  updatedAt: number;
  changedAt: number;
};

/** The feed of changed statuses is read in this order; its cursor holds a row's key. */
const FEED_SORT = 'changed';
const FEED_COLUMNS = ['s.changed_at', 's.computer_id', 's.update_id'];

type LinkChanges = Partial<Omit<UpstreamLinkRecord, 'parentUrl'>>;

const orNull = (v: number | string | null) => (v === null ? null : Number(v));

/** On a child: the link to its parent and the deployments the parent enabled for it. */
export class UpstreamRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The link, made on the first start with a parent (a new parent URL is kept as given). */
  async link(parentUrl: string): Promise<UpstreamLinkRecord> {
    await this.db
      .insertInto('upstream_link')
      .values({ id: LINK, parent_url: parentUrl })
      .onConflict((oc) => oc.column('id').doUpdateSet({ parent_url: parentUrl }))
      .execute();
    const found = await this.find();
    if (!found) throw new Error('the upstream link was not stored');
    return found;
  }

  async find(): Promise<UpstreamLinkRecord | undefined> {
    const row = await this.db
      .selectFrom('upstream_link')
      .selectAll()
      .where('id', '=', LINK)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      parentUrl: row.parent_url,
      childName: row.child_name,
      signer: row.signer,
      cursor: Number(row.cursor),
      lastSyncAt: orNull(row.last_sync_at),
      lastReportAt: orNull(row.last_report_at),
      lastError: row.last_error,
      lastErrorAt: orNull(row.last_error_at),
      statusCursor: row.status_cursor,
    };
  }

  async update(changes: LinkChanges): Promise<void> {
    const set: Record<string, string | number | null> = {};
    if (changes.childName !== undefined) set.child_name = changes.childName;
    if (changes.signer !== undefined) set.signer = changes.signer;
    if (changes.cursor !== undefined) set.cursor = changes.cursor;
    if (changes.lastSyncAt !== undefined) set.last_sync_at = changes.lastSyncAt;
    if (changes.lastReportAt !== undefined) set.last_report_at = changes.lastReportAt;
    if (changes.lastError !== undefined) set.last_error = changes.lastError;
    if (changes.lastErrorAt !== undefined) set.last_error_at = changes.lastErrorAt;
    if (changes.statusCursor !== undefined) set.status_cursor = changes.statusCursor;
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('upstream_link').set(set).where('id', '=', LINK).execute();
  }

  async deployments(): Promise<UpstreamDeploymentRecord[]> {
    const rows = await this.db
      .selectFrom('upstream_deployments')
      .selectAll()
      .orderBy('parent_deployment_id')
      .execute();
    return rows.map((r) => ({
      parentDeploymentId: r.parent_deployment_id,
      enabled: Number(r.enabled) === 1,
      localDeploymentId: r.local_deployment_id,
      error: r.error,
      updatedAt: Number(r.updated_at),
      action:
        r.action === null || r.action_seq === null
          ? null
          : {
              kind: r.action as CarriedAction,
              seq: Number(r.action_seq),
              reason: r.action_reason ?? '',
              by: r.action_by ?? '',
            },
      appliedActionSeq: Number(r.applied_action_seq),
    }));
  }

  /**
   * The parent enabled or held a deployment, or carried an action of it: recorded,
   * keeping what was made of it here and which action was applied.
   */
  async recordChange(change: UpstreamChangeRecord, now: number): Promise<void> {
    const values = {
      enabled: change.enabled ? 1 : 0,
      updated_at: now,
      ...(change.action !== null && {
        action: change.action.kind,
        action_seq: change.action.seq,
        action_reason: change.action.reason,
        action_by: change.action.by,
      }),
    };
    await this.db
      .insertInto('upstream_deployments')
      .values({ parent_deployment_id: change.deploymentId, ...values })
      .onConflict((oc) => oc.column('parent_deployment_id').doUpdateSet(values))
      .execute();
  }

  /** The parent's action numbered `seq` is applied here (or found in effect). */
  async recordApplied(parentDeploymentId: string, seq: number, now: number): Promise<void> {
    await this.db
      .updateTable('upstream_deployments')
      .set({ applied_action_seq: seq, updated_at: now })
      .where('parent_deployment_id', '=', parentDeploymentId)
      .where('applied_action_seq', '<', seq)
      .execute();
  }

  /**
   * Statuses of the deployments made here from the parent's that changed after `cursor`
   * (null: from the start) and no later than `until`, in feed order, at most `limit`; and
   * the cursor of each row, to send with the batch.
   */
  async changedStatuses(
    localDeploymentIds: readonly string[],
    cursor: string | null,
    until: number,
    limit: number,
  ): Promise<{ rows: ChangedStatusRecord[]; cursors: string[] }> {
    if (localDeploymentIds.length === 0) return { rows: [], cursors: [] };
    let q = this.db
      .selectFrom('statuses as s')
      .innerJoin('computers as c', 'c.id', 's.computer_id')
      .select([
        's.computer_id',
        'c.hostname',
        's.update_id',
        's.deployment_id',
        's.state',
        's.reason',
        's.message',
        's.updated_at',
        's.changed_at',
      ])
      .where('s.deployment_id', 'in', [...localDeploymentIds])
      .where('s.changed_at', '<=', until);
    if (cursor !== null) {
      const { keys } = decodeCursor(cursor, FEED_SORT, 'asc', FEED_COLUMNS.length);
      q = q.where(keysAfter(FEED_COLUMNS, keys, 'asc'));
    }
    const found = await q
      .orderBy('s.changed_at')
      .orderBy('s.computer_id')
      .orderBy('s.update_id')
      .limit(limit)
      .execute();
    const rows = found.map((r) => ({
      computerId: r.computer_id,
      hostname: r.hostname,
      updateId: r.update_id,
      localDeploymentId: r.deployment_id ?? '',
      state: r.state,
      reason: r.reason,
      message: r.message,
      updatedAt: Number(r.updated_at),
      changedAt: Number(r.changed_at),
    }));
    const cursors = rows.map((r) =>
      encodeCursor(FEED_SORT, 'asc', [r.changedAt, r.computerId, r.updateId]),
    );
    return { rows, cursors };
  }

  async setOutcome(
    parentDeploymentId: string,
    outcome: { localDeploymentId?: string; error: string | null },
    now: number,
  ): Promise<void> {
    await this.db
      .updateTable('upstream_deployments')
      .set({
        ...(outcome.localDeploymentId !== undefined && {
          local_deployment_id: outcome.localDeploymentId,
        }),
        error: outcome.error,
        updated_at: now,
      })
      .where('parent_deployment_id', '=', parentDeploymentId)
      .execute();
  }
}
