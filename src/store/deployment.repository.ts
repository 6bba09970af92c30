import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, DeploymentTable } from './schema.js';

export type DeploymentRow = Selectable<DeploymentTable>;
export type DeploymentRecord = DeploymentRow & { groups: string[] };

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

  /** Every computer the deployment targets now, with its phase and its status for the update. */
  async targetStatuses(deploymentId: string, updateId: string): Promise<TargetStatusRow[]> {
    return this.db
      .selectFrom('computers as c')
      .leftJoin('statuses as s', (join) =>
        join.onRef('s.computer_id', '=', 'c.id').on('s.update_id', '=', updateId),
      )
      .leftJoin('deployment_computers as dc', (join) =>
        join.onRef('dc.computer_id', '=', 'c.id').on('dc.deployment_id', '=', deploymentId),
      )
      .select([
        'c.id as computer_id',
        'c.hostname',
        'dc.phase',
        's.deployment_id',
        's.state',
        's.reason',
        's.exit_code',
        's.output',
        's.message',
        's.attempts',
        's.updated_at',
        's.installed_at',
      ])
      .where((eb) =>
        eb.or([
          eb(
            'c.id',
            'in',
            eb
              .selectFrom('group_members as m')
              .innerJoin('deployment_groups as dg', 'dg.group_id', 'm.group_id')
              .select('m.computer_id')
              .where('dg.deployment_id', '=', deploymentId),
          ),
          eb('dc.phase', 'is not', null),
        ]),
      )
      .orderBy('c.hostname')
      .orderBy('c.id')
      .execute();
  }
}
