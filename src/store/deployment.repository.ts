import type { Kysely } from 'kysely';
import type { Database, DeploymentTable } from './schema.js';

export type DeploymentRecord = DeploymentTable & { groups: string[] };

export type TargetStatusRow = {
  computer_id: string;
  hostname: string;
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

export class DeploymentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: DeploymentTable, groupIds: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('deployments').values(row).execute();
      await trx
        .insertInto('deployment_groups')
        .values(groupIds.map((group_id) => ({ deployment_id: row.id, group_id })))
        .execute();
    });
  }

  private async withGroups(rows: DeploymentTable[]): Promise<DeploymentRecord[]> {
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

  /** Active deployments that reach this computer through one of their groups. */
  activeForComputer(
    computerId: string,
  ): Promise<{ id: string; update_id: string; created_at: number }[]> {
    return this.db
      .selectFrom('deployments as d')
      .innerJoin('deployment_groups as dg', 'dg.deployment_id', 'd.id')
      .innerJoin('group_members as m', 'm.group_id', 'dg.group_id')
      .select(['d.id', 'd.update_id', 'd.created_at'])
      .distinct()
      .where('m.computer_id', '=', computerId)
      .where('d.state', '=', 'active')
      .orderBy('d.created_at')
      .execute();
  }

  /** Every computer the deployment targets, with its status for the deployment's update. */
  async targetStatuses(deploymentId: string, updateId: string): Promise<TargetStatusRow[]> {
    const rows = await this.db
      .selectFrom('computers as c')
      .leftJoin('statuses as s', (join) =>
        join.onRef('s.computer_id', '=', 'c.id').on('s.update_id', '=', updateId),
      )
      .select([
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
      ])
      .where('c.id', 'in', (eb) =>
        eb
          .selectFrom('group_members as m')
          .innerJoin('deployment_groups as dg', 'dg.group_id', 'm.group_id')
          .select('m.computer_id')
          .where('dg.deployment_id', '=', deploymentId),
      )
      .orderBy('c.hostname')
      .orderBy('c.id')
      .execute();
    return rows;
  }
}
