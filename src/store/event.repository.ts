import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, DeploymentEventTable } from './schema.js';

export type DeploymentEventRow = Selectable<DeploymentEventTable>;

/** The facts behind every decision of a deployment: what the engine and admins did. */
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
}
