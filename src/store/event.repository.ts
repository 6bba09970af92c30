import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ComputerEventTable, Database, DeploymentEventTable } from './schema.js';

export type DeploymentEventRow = Selectable<DeploymentEventTable>;
export type ComputerEventRow = Selectable<ComputerEventTable>;

/** The facts behind every decision: deployment events and what agents saw while away. */
export class EventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async addDeploymentEvents(rows: Insertable<DeploymentEventTable>[]): Promise<void> {
    if (rows.length > 0) await this.db.insertInto('deployment_events').values(rows).execute();
  }

  deploymentEvents(deploymentId: string): Promise<DeploymentEventRow[]> {
    return this.db
      .selectFrom('deployment_events')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .orderBy('at')
      .orderBy('id')
      .execute();
  }

  async addComputerEvents(rows: Insertable<ComputerEventTable>[]): Promise<void> {
    if (rows.length > 0) await this.db.insertInto('computer_events').values(rows).execute();
  }

  /** Each computer's latest absence. */
  async latestComputerEvents(): Promise<Map<string, ComputerEventRow>> {
    const rows = await this.db
      .selectFrom('computer_events as e')
      .selectAll('e')
      .where('e.to_at', '=', (eb) =>
        eb
          .selectFrom('computer_events as x')
          .select((x) => x.fn.max('x.to_at').as('m'))
          .whereRef('x.computer_id', '=', 'e.computer_id'),
      )
      .execute();
    return new Map(rows.map((r) => [r.computer_id, r]));
  }

  computerEvents(computerId: string, limit = 50): Promise<ComputerEventRow[]> {
    return this.db
      .selectFrom('computer_events')
      .selectAll()
      .where('computer_id', '=', computerId)
      .orderBy('to_at', 'desc')
      .limit(limit)
      .execute();
  }
}
