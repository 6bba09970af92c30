import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import { isDeploymentState, liveStates, type DeploymentState } from '../domain/deployment/state.js';
import type { Database, DeploymentTable } from './schema.js';

export type DeploymentRow = Selectable<DeploymentTable>;
export type DeploymentRecord = Omit<DeploymentRow, 'state'> & {
  state: DeploymentState;
  groups: string[];
};

function stateOf(row: Pick<DeploymentRow, 'id' | 'state'>): DeploymentState {
  if (!isDeploymentState(row.state)) {
    throw new Error(`deployment ${row.id} has an unknown state "${row.state}"`);
  }
  return row.state;
}

export type TargetStatusRow = {
  computer_id: string;
  hostname: string;
  phase: number | null;
  deployment_id: string | null;
  state: string | null;
  reason: string | null;
  exit_code: number | null;
  output: string | null;
  message: string | null;
  attempts: number | null;
  updated_at: number | null;
  installed_at: number | null;
};

/** Deployments, their target groups and their state. */
export class DeploymentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(
    row: Insertable<DeploymentTable>,
    groupIds: readonly string[],
    phaseNames: readonly string[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('deployments').values(row).execute();
      await trx
        .insertInto('deployment_groups')
        .values(groupIds.map((group_id) => ({ deployment_id: row.id, group_id })))
        .execute();
      await trx
        .insertInto('deployment_phases')
        .values(phaseNames.map((name, idx) => ({ deployment_id: row.id, idx, name })))
        .execute();
    });
  }

  private async withGroups(rows: DeploymentRow[]): Promise<DeploymentRecord[]> {
    if (rows.length === 0) return [];
    const links = await this.db
      .selectFrom('deployment_groups as dg')
      .innerJoin('groups as g', 'g.id', 'dg.group_id')
      .select(['dg.deployment_id', 'g.name'])
      .where(
        'dg.deployment_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('g.name')
      .execute();
    return rows.map((row) => ({
      ...row,
      state: stateOf(row),
      groups: links.filter((l) => l.deployment_id === row.id).map((l) => l.name),
    }));
  }

  async find(id: string): Promise<DeploymentRecord | undefined> {
    const row = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? (await this.withGroups([row]))[0] : undefined;
  }

  async list(): Promise<DeploymentRecord[]> {
    const rows = await this.db
      .selectFrom('deployments')
      .selectAll()
      .orderBy('created_at', 'desc')
      .execute();
    return this.withGroups(rows);
  }

  /** Deployments the engine must look at. */
  async inStates(states: readonly string[]): Promise<DeploymentRecord[]> {
    const rows = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('state', 'in', [...states])
      .orderBy('created_at')
      .execute();
    return this.withGroups(rows);
  }

  /**
   * Live deployments (active, halted or completed: they still reach computers, or
   * will again) of an update that target one of these groups.
   */
  async liveOf(updateId: string, groupIds: readonly string[]): Promise<DeploymentRecord[]> {
    if (groupIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('deployments as d')
      .selectAll('d')
      .where('d.update_id', '=', updateId)
      .where('d.state', 'in', [...liveStates])
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('deployment_groups as dg')
            .select('dg.group_id')
            .whereRef('dg.deployment_id', '=', 'd.id')
            .where('dg.group_id', 'in', [...groupIds]),
        ),
      )
      .orderBy('d.created_at')
      .execute();
    return this.withGroups(rows);
  }

  /**
   * Changes a deployment only if it is still in one of the expected states, so two
   * admins (or an admin and the engine) cannot both act on the same state.
   */
  async transition(
    id: string,
    from: readonly string[],
    changes: Updateable<DeploymentTable>,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('deployments')
      .set(changes)
      .where('id', '=', id)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async update(id: string, changes: Updateable<DeploymentTable>): Promise<void> {
    await this.db.updateTable('deployments').set(changes).where('id', '=', id).execute();
  }

  /** Target computers not yet placed in a phase (they joined since the last placement). */
  async unplacedCount(deploymentId: string): Promise<number> {
    const row = await this.unplaced(deploymentId)
      .select((eb) => eb.fn.count<number>('m.computer_id').distinct().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  private unplaced(deploymentId: string) {
    return this.db
      .selectFrom('group_members as m')
      .innerJoin('deployment_groups as dg', 'dg.group_id', 'm.group_id')
      .where('dg.deployment_id', '=', deploymentId)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('deployment_computers as dc')
              .select('dc.computer_id')
              .whereRef('dc.computer_id', '=', 'm.computer_id')
              .where('dc.deployment_id', '=', deploymentId),
          ),
        ),
      );
  }

  /**
   * Every computer of the deployment with its phase and its status for the update:
   * the placed ones (by the primary key), and target members not placed yet.
   */
  async targetStatuses(deploymentId: string, updateId: string): Promise<TargetStatusRow[]> {
    const columns = [
      'c.id as computer_id',
      'c.hostname',
      's.deployment_id',
      's.state',
      's.reason',
      's.exit_code',
      's.output',
      's.message',
      's.attempts',
      's.updated_at',
      's.installed_at',
    ] as const;
    const placed = await this.db
      .selectFrom('deployment_computers as dc')
      .innerJoin('computers as c', 'c.id', 'dc.computer_id')
      .leftJoin('statuses as s', (join) =>
        join.onRef('s.computer_id', '=', 'dc.computer_id').on('s.update_id', '=', updateId),
      )
      .select([...columns, 'dc.phase'])
      .where('dc.deployment_id', '=', deploymentId)
      .execute();
    const waiting = await this.unplaced(deploymentId)
      .innerJoin('computers as c', 'c.id', 'm.computer_id')
      .leftJoin('statuses as s', (join) =>
        join.onRef('s.computer_id', '=', 'm.computer_id').on('s.update_id', '=', updateId),
      )
      .select([...columns, sql<number | null>`null`.as('phase')])
      .distinct()
      .execute();
    return [...placed, ...waiting].sort(
      (a, b) => a.hostname.localeCompare(b.hostname) || a.computer_id.localeCompare(b.computer_id),
    );
  }
}
