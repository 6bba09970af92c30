import type { Insertable, Kysely, Selectable } from 'kysely';
import type { EventSort } from '../contracts/list-queries.js';
import type { Page, PageRequest } from '../contracts/paging.js';
import { keysetOf, keysetPage } from './paging.js';
import type { Database, DeploymentEventTable } from './schema.js';

export type DeploymentEventRow = Selectable<DeploymentEventTable>;

/** The facts behind every decision of a deployment: what the engine and admins did. */
export class EventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async addDeploymentEvents(rows: Insertable<DeploymentEventTable>[]): Promise<void> {
    if (rows.length > 0) await this.db.insertInto('deployment_events').values(rows).execute();
  }

  /** One page of a deployment's events, by keyset on (at, id). */
  pageDeploymentEvents(
    deploymentId: string,
    filter: { type?: string | undefined; since?: number | undefined },
    page: PageRequest<EventSort>,
  ): Promise<Page<DeploymentEventRow>> {
    let base = this.db
      .selectFrom('deployment_events as e')
      .where('e.deployment_id', '=', deploymentId);
    if (filter.type !== undefined) base = base.where('e.type', '=', filter.type);
    if (filter.since !== undefined) base = base.where('e.at', '>=', filter.since);
    return keysetPage(
      base.selectAll('e'),
      base.select((eb) => eb.fn.countAll().as('n')),
      keysetOf('e.at', 'e.id'),
      page,
    );
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
