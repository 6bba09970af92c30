import type { Kysely, Selectable } from 'kysely';
import type { Page, PageRequest } from '../contracts/paging.js';
import type { CarriedAction } from '../domain/hierarchy/carried-action.js';
import { keysetPage } from './paging.js';
import type { ChildEnablementTable, ChildServerTable, Database } from './schema.js';

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
  /** The last halt, resume or rollback made here of the deployment, carried to the child. */
  action: {
    kind: CarriedAction;
    seq: number;
    reason: string;
    by: string;
    at: number;
  } | null;
};

/** One computer's status on a child, for a deployment of this server. */
export type ChildComputerStatusRecord = {
  childId: string;
  computerId: string;
  updateId: string;
  hostname: string;
  deploymentId: string;
  localDeploymentId: string;
  state: string;
  reason: string | null;
  message: string | null;
  updatedAt: number;
  changedAt: number;
  receivedAt: number;
};

export type ChildComputerFilter = {
  childId?: string | undefined;
  deploymentId?: string | undefined;
  state?: string | undefined;
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

function toEnablement(r: Selectable<ChildEnablementTable>): EnablementRecord {
  return {
    childId: r.child_id,
    deploymentId: r.deployment_id,
    enabled: Number(r.enabled) === 1,
    seq: Number(r.seq),
    changedAt: Number(r.changed_at),
    changedBy: r.changed_by,
    action:
      r.action === null || r.action_seq === null
        ? null
        : {
            kind: r.action as CarriedAction,
            seq: Number(r.action_seq),
            reason: r.action_reason ?? '',
            by: r.action_by ?? '',
            at: Number(r.action_at ?? 0),
          },
  };
}

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
    const values = {
      enabled: enabled ? 1 : 0,
      seq: await this.nextSeq(childId),
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

  /** The child's next change number (call it in the transaction that writes the change). */
  private async nextSeq(childId: string): Promise<number> {
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
    return Number(last_seq);
  }

  /**
   * Carries an admin's halt, resume or rollback of a deployment to every child with an
   * enablement for it (or only `childId`'s), each as that child's next numbered change
   * (call it in the action's transaction). Returns the children it reached.
   */
  async carryAction(
    deploymentId: string,
    action: { kind: CarriedAction; reason: string; by: string; at: number },
    childId?: string,
  ): Promise<number> {
    let query = this.db
      .selectFrom('child_enablements')
      .select('child_id')
      .where('deployment_id', '=', deploymentId);
    if (childId !== undefined) query = query.where('child_id', '=', childId);
    const rows = await query.orderBy('child_id').execute();
    for (const { child_id } of rows) {
      const seq = await this.nextSeq(child_id);
      await this.db
        .updateTable('child_enablements')
        .set({
          seq,
          action: action.kind,
          action_seq: seq,
          action_reason: action.reason,
          action_by: action.by,
          action_at: action.at,
        })
        .where('child_id', '=', child_id)
        .where('deployment_id', '=', deploymentId)
        .execute();
    }
    return rows.length;
  }

  async enablements(childId?: string, deploymentId?: string): Promise<EnablementRecord[]> {
    let query = this.db.selectFrom('child_enablements').selectAll().orderBy('seq');
    if (childId !== undefined) query = query.where('child_id', '=', childId);
    if (deploymentId !== undefined) query = query.where('deployment_id', '=', deploymentId);
    const rows = await query.execute();
    return rows.map(toEnablement);
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
    return rows.map(toEnablement);
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

  /**
   * A batch of a child's computer statuses, each kept unless the one stored changed later
   * on the child (a batch sent again, or late, changes nothing), and the cursor it ends
   * at: together (call it in a transaction).
   */
  async storeComputerStatuses(
    childId: string,
    rows: readonly ChildComputerStatusRecord[],
    cursor: string,
  ): Promise<void> {
    if (rows.length > 0) {
      await this.db
        .insertInto('child_computer_statuses')
        .values(
          rows.map((r) => ({
            child_id: childId,
            computer_id: r.computerId,
            update_id: r.updateId,
            hostname: r.hostname,
            deployment_id: r.deploymentId,
            local_deployment_id: r.localDeploymentId,
            state: r.state,
            reason: r.reason,
            message: r.message,
            updated_at: r.updatedAt,
            changed_at: r.changedAt,
            received_at: r.receivedAt,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['child_id', 'computer_id', 'update_id'])
            .doUpdateSet((eb) => ({
              hostname: eb.ref('excluded.hostname'),
              deployment_id: eb.ref('excluded.deployment_id'),
              local_deployment_id: eb.ref('excluded.local_deployment_id'),
              state: eb.ref('excluded.state'),
              reason: eb.ref('excluded.reason'),
              message: eb.ref('excluded.message'),
              updated_at: eb.ref('excluded.updated_at'),
              changed_at: eb.ref('excluded.changed_at'),
              received_at: eb.ref('excluded.received_at'),
            }))
            .where((eb) =>
              eb('child_computer_statuses.changed_at', '<=', eb.ref('excluded.changed_at')),
            ),
        )
        .execute();
    }
    await this.db
      .updateTable('child_servers')
      .set({ status_cursor: cursor })
      .where('id', '=', childId)
      .execute();
  }

  async statusCursor(childId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('child_servers')
      .select('status_cursor')
      .where('id', '=', childId)
      .executeTakeFirst();
    return row?.status_cursor ?? null;
  }

  private computerQuery(filter: ChildComputerFilter) {
    let q = this.db.selectFrom('child_computer_statuses');
    if (filter.childId !== undefined) q = q.where('child_id', '=', filter.childId);
    if (filter.deploymentId !== undefined) q = q.where('deployment_id', '=', filter.deploymentId);
    if (filter.state !== undefined) q = q.where('state', '=', filter.state);
    return q;
  }

  /** Children's computer statuses, by child, hostname, computer and update: one page. */
  async computerStatuses(
    filter: ChildComputerFilter,
    page: PageRequest,
  ): Promise<Page<ChildComputerStatusRecord>> {
    const keyset = {
      columns: ['child_id', 'hostname', 'computer_id', 'update_id'],
      keyOf: (r: Selectable<Database['child_computer_statuses']>) => [
        r.child_id,
        r.hostname,
        r.computer_id,
        r.update_id,
      ],
    };
    const found = await keysetPage(
      this.computerQuery(filter).selectAll(),
      this.computerQuery(filter).select((eb) => eb.fn.countAll().as('n')),
      keyset,
      page,
    );
    return {
      ...found,
      items: found.items.map((r) => ({
        childId: r.child_id,
        computerId: r.computer_id,
        updateId: r.update_id,
        hostname: r.hostname,
        deploymentId: r.deployment_id,
        localDeploymentId: r.local_deployment_id,
        state: r.state,
        reason: r.reason,
        message: r.message,
        updatedAt: Number(r.updated_at),
        changedAt: Number(r.changed_at),
        receivedAt: Number(r.received_at),
      })),
    };
  }

  /**
   * A deployment's failed statuses on each child (of one reason, if given): per reason,
   * and the failed computers of each child.
   */
  async failuresOf(
    deploymentId: string,
    reason?: string,
  ): Promise<{
    reasons: { childId: string; reason: string; failures: number }[];
    computers: { childId: string; computers: number }[];
  }> {
    let failed = this.db
      .selectFrom('child_computer_statuses')
      .where('deployment_id', '=', deploymentId)
      .where('state', '=', 'failed');
    if (reason !== undefined) {
      failed =
        reason === 'unknown'
          ? failed.where((eb) => eb.or([eb('reason', '=', reason), eb('reason', 'is', null)]))
          : failed.where('reason', '=', reason);
    }
    const [byReason, byChild] = await Promise.all([
      failed
        .select(['child_id', 'reason', (eb) => eb.fn.countAll().as('n')])
        .groupBy(['child_id', 'reason'])
        .execute(),
      failed
        .select(['child_id', (eb) => eb.fn.count('computer_id').distinct().as('n')])
        .groupBy('child_id')
        .execute(),
    ]);
    return {
      reasons: byReason.map((r) => ({
        childId: r.child_id,
        reason: r.reason ?? 'unknown',
        failures: Number(r.n),
      })),
      computers: byChild.map((r) => ({ childId: r.child_id, computers: Number(r.n) })),
    };
  }
}
