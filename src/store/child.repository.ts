import type { Kysely, Selectable } from 'kysely';
import type { ChildServerTable, Database } from './schema.js';

/** A child server, as its parent knows it. */
export type ChildRecord = {
  id: string;
  name: string;
  tokenId: string;
  createdAt: number;
  lastSyncAt: number | null;
  lastReportAt: number | null;
};

export type EnablementRecord = {
  childId: string;
  deploymentId: string;
  enabled: boolean;
  seq: number;
  changedAt: number;
  changedBy: string;
};

export type ChildStatusRecord = {
  childId: string;
  deploymentId: string;
  localDeploymentId: string | null;
  state: string | null;
  counts: Record<string, number>;
  total: number;
  error: string | null;
  countedAt: number;
  receivedAt: number;
};

const orNull = (v: number | string | null) => (v === null ? null : Number(v));

function toChild(row: Selectable<ChildServerTable>): ChildRecord {
  return {
    id: row.id,
    name: row.name,
    tokenId: row.token_id,
    createdAt: Number(row.created_at),
    lastSyncAt: orNull(row.last_sync_at),
    lastReportAt: orNull(row.last_report_at),
  };
}

/** On a parent: its children, their enablements (numbered changes) and their reports. */
export class ChildRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(child: ChildRecord): Promise<void> {
    await this.db
      .insertInto('child_servers')
      .values({
        id: child.id,
        name: child.name,
        token_id: child.tokenId,
        created_at: child.createdAt,
        last_sync_at: child.lastSyncAt,
        last_report_at: child.lastReportAt,
      })
      .execute();
  }

  async list(): Promise<ChildRecord[]> {
    const rows = await this.db.selectFrom('child_servers').selectAll().orderBy('name').execute();
    return rows.map(toChild);
  }

  async findByName(name: string): Promise<ChildRecord | undefined> {
    const row = await this.db
      .selectFrom('child_servers')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toChild(row);
  }

  async findByToken(tokenId: string): Promise<ChildRecord | undefined> {
    const row = await this.db
      .selectFrom('child_servers')
      .selectAll()
      .where('token_id', '=', tokenId)
      .executeTakeFirst();
    return row && toChild(row);
  }

  async touch(id: string, column: 'last_sync_at' | 'last_report_at', now: number): Promise<void> {
    await this.db
      .updateTable('child_servers')
      .set({ [column]: now })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Records an enablement or a hold as the child's next numbered change (call it in a
   * transaction: the number and the row go together). Unchanged: nothing, and false.
   */
  async setEnabled(
    childId: string,
    deploymentId: string,
    enabled: boolean,
    now: number,
    actor: string,
  ): Promise<boolean> {
    const current = await this.db
      .selectFrom('child_enablements')
      .select('enabled')
      .where('child_id', '=', childId)
      .where('deployment_id', '=', deploymentId)
      .executeTakeFirst();
    if (current !== undefined && (Number(current.enabled) === 1) === enabled) return false;
    if (current === undefined && !enabled) return false;
    await this.db
      .updateTable('child_servers')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
      .where('id', '=', childId)
      .execute();
    const { last_seq } = await this.db
      .selectFrom('child_servers')
      .select('last_seq')
      .where('id', '=', childId)
      .executeTakeFirstOrThrow();
    const values = {
      enabled: enabled ? 1 : 0,
      seq: Number(last_seq),
      changed_at: now,
      changed_by: actor,
    };
    await this.db
      .insertInto('child_enablements')
      .values({ child_id: childId, deployment_id: deploymentId, ...values })
      .onConflict((oc) => oc.columns(['child_id', 'deployment_id']).doUpdateSet(values))
      .execute();
    return true;
  }

  async enablements(childId?: string, deploymentId?: string): Promise<EnablementRecord[]> {
    let query = this.db.selectFrom('child_enablements').selectAll().orderBy('seq');
    if (childId !== undefined) query = query.where('child_id', '=', childId);
    if (deploymentId !== undefined) query = query.where('deployment_id', '=', deploymentId);
    const rows = await query.execute();
    return rows.map((r) => ({
      childId: r.child_id,
      deploymentId: r.deployment_id,
      enabled: Number(r.enabled) === 1,
      seq: Number(r.seq),
      changedAt: Number(r.changed_at),
      changedBy: r.changed_by,
    }));
  }

  /** The child's changes numbered after `after`, in order, at most `limit`. */
  async changesAfter(childId: string, after: number, limit: number): Promise<EnablementRecord[]> {
    const rows = await this.db
      .selectFrom('child_enablements')
      .selectAll()
      .where('child_id', '=', childId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      childId: r.child_id,
      deploymentId: r.deployment_id,
      enabled: Number(r.enabled) === 1,
      seq: Number(r.seq),
      changedAt: Number(r.changed_at),
      changedBy: r.changed_by,
    }));
  }

  /** A child's report replaces its last one whole (call it in a transaction). */
  async replaceStatuses(childId: string, rows: readonly ChildStatusRecord[]): Promise<void> {
    await this.db.deleteFrom('child_statuses').where('child_id', '=', childId).execute();
    if (rows.length === 0) return;
    await this.db
      .insertInto('child_statuses')
      .values(
        rows.map((r) => ({
          child_id: r.childId,
          deployment_id: r.deploymentId,
          local_deployment_id: r.localDeploymentId,
          state: r.state,
          counts: JSON.stringify(r.counts),
          total: r.total,
          error: r.error,
          counted_at: r.countedAt,
          received_at: r.receivedAt,
        })),
      )
      .execute();
  }

  async statusesOf(deploymentId: string): Promise<ChildStatusRecord[]> {
    const rows = await this.db
      .selectFrom('child_statuses')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .execute();
    return rows.map((r) => ({
      childId: r.child_id,
      deploymentId: r.deployment_id,
      localDeploymentId: r.local_deployment_id,
      state: r.state,
      counts: JSON.parse(r.counts) as Record<string, number>,
      total: Number(r.total),
      error: r.error,
      countedAt: Number(r.counted_at),
      receivedAt: Number(r.received_at),
    }));
  }
}
