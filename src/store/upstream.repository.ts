import type { Kysely } from 'kysely';
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
};

export type UpstreamDeploymentRecord = {
  parentDeploymentId: string;
  enabled: boolean;
  localDeploymentId: string | null;
  error: string | null;
  updatedAt: number;
};

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
    }));
  }

  /** The parent enabled or held a deployment: recorded, keeping what was made of it. */
  async setEnabled(parentDeploymentId: string, enabled: boolean, now: number): Promise<void> {
    await this.db
      .insertInto('upstream_deployments')
      .values({
        parent_deployment_id: parentDeploymentId,
        enabled: enabled ? 1 : 0,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .column('parent_deployment_id')
          .doUpdateSet({ enabled: enabled ? 1 : 0, updated_at: now }),
      )
      .execute();
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
