import type { Kysely, Selectable } from 'kysely';
import type { Page, PageRequest } from '../contracts/paging.js';
import { contentStates } from '../domain/deployment/state.js';
import type { PointFileState } from '../domain/rollout/readiness.js';
import { keysetOf, keysetPage } from './paging.js';
import type { Database, DistributionPointTable } from './schema.js';

/** A distribution point (only its token's hash is kept). */
export type PointRecord = {
  id: string;
  site: string;
  url: string;
  order: number;
  kind: 'managed' | 'static';
  tokenHash: string;
  createdAt: number;
  lastSeenAt: number | null;
};

export type PointFileRecord = {
  pointId: string;
  sha256: string;
  state: PointFileState;
  actualSha256: string | null;
  detail: string | null;
  reportedBy: string;
  reportedAt: number;
};

export type SiteRecord = { name: string; computers: number; points: number };

export type ContentProblemRecord = {
  id: string;
  computerId: string;
  pointId: string | null;
  sha256: string;
  problem: string;
  detail: string | null;
  at: number;
};

/** A file a deployment carries, with the update it belongs to. */
export type DeploymentFile = { updateId: string; path: string; sha256: string; size: number };

function toPoint(row: Selectable<DistributionPointTable>): PointRecord {
  return {
    id: row.id,
    site: row.site,
    url: row.url,
    order: Number(row.sort_order),
    kind: row.kind === 'static' ? 'static' : 'managed',
    tokenHash: row.token_hash,
    createdAt: Number(row.created_at),
    lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
  };
}

/** Sites, distribution points, what each point holds, and the bad copies agents found. */
export class DistributionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(point: PointRecord): Promise<void> {
    await this.db
      .insertInto('distribution_points')
      .values({
        id: point.id,
        site: point.site,
        url: point.url,
        sort_order: point.order,
        kind: point.kind,
        token_hash: point.tokenHash,
        created_at: point.createdAt,
        last_seen_at: point.lastSeenAt,
      })
      .execute();
  }

  async find(id: string): Promise<PointRecord | undefined> {
    const row = await this.db
      .selectFrom('distribution_points')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toPoint(row);
  }

  async findByTokenHash(tokenHash: string): Promise<PointRecord | undefined> {
    const row = await this.db
      .selectFrom('distribution_points')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toPoint(row);
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('distribution_points')
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('distribution_points')
      .set({ last_seen_at: now })
      .where('id', '=', id)
      .execute();
  }

  /** One page of points, by (site, order, id) or by id; optionally of one site. */
  async page(page: PageRequest<'site' | 'id'>, site?: string): Promise<Page<PointRecord>> {
    let query = this.db.selectFrom('distribution_points as p').selectAll('p');
    let count = this.db
      .selectFrom('distribution_points as p')
      .select((eb) => eb.fn.countAll().as('n'));
    if (site !== undefined) {
      query = query.where('p.site', '=', site);
      count = count.where('p.site', '=', site);
    }
    const keyset =
      page.sort === 'id'
        ? keysetOf<Selectable<DistributionPointTable>>('p.id', 'p.id')
        : {
            columns: ['p.site', 'p.sort_order', 'p.id'],
            keyOf: (r: Selectable<DistributionPointTable>) => [r.site, Number(r.sort_order), r.id],
          };
    const result = await keysetPage(query, count, keyset, page);
    return { ...result, items: result.items.map(toPoint) };
  }

  /** The points of these sites, in the order agents try them. */
  async ofSites(sites: readonly string[]): Promise<PointRecord[]> {
    if (sites.length === 0) return [];
    const rows = await this.db
      .selectFrom('distribution_points')
      .selectAll()
      .where('site', 'in', [...sites])
      .orderBy('site')
      .orderBy('sort_order')
      .orderBy('id')
      .execute();
    return rows.map(toPoint);
  }

  /**
   * Sites: every site a computer is at or a point serves, a page at a time by name,
   * with how many of each.
   */
  async sites(page: PageRequest<'name'>): Promise<Page<SiteRecord>> {
    const names = this.db
      .selectFrom('computers')
      .select('site as name')
      .where('site', 'is not', null)
      .where('revoked_at', 'is', null)
      .union(this.db.selectFrom('distribution_points').select('site as name'));
    const query = this.db.selectFrom(names.as('s')).select('s.name');
    const count = this.db.selectFrom(names.as('s')).select((eb) => eb.fn.countAll().as('n'));
    const result = await keysetPage(
      query,
      count,
      keysetOf<{ name: string | null }>('s.name', 's.name'),
      page,
    );
    const listed = result.items.map((r) => r.name ?? '');
    const computers =
      listed.length === 0
        ? []
        : await this.db
            .selectFrom('computers')
            .select(['site', (eb) => eb.fn.countAll().as('n')])
            .where('site', 'in', listed)
            .where('revoked_at', 'is', null)
            .groupBy('site')
            .execute();
    const points =
      listed.length === 0
        ? []
        : await this.db
            .selectFrom('distribution_points')
            .select(['site', (eb) => eb.fn.countAll().as('n')])
            .where('site', 'in', listed)
            .groupBy('site')
            .execute();
    return {
      ...result,
      items: listed.map((name) => ({
        name,
        computers: Number(computers.find((c) => c.site === name)?.n ?? 0),
        points: Number(points.find((p) => p.site === name)?.n ?? 0),
      })),
    };
  }

  /** What these points hold, as reported. */
  async files(pointIds: readonly string[]): Promise<PointFileRecord[]> {
    if (pointIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('distribution_point_files')
      .selectAll()
      .where('point_id', 'in', [...pointIds])
      .execute();
    return rows.map((r) => ({
      pointId: r.point_id,
      sha256: r.sha256,
      state: r.state as PointFileState,
      actualSha256: r.actual_sha256,
      detail: r.detail,
      reportedBy: r.reported_by,
      reportedAt: Number(r.reported_at),
    }));
  }

  /** Stores what a point (or an agent, about a point) says of these files. */
  async recordFiles(records: readonly PointFileRecord[]): Promise<void> {
    for (const r of records) {
      const values = {
        state: r.state,
        actual_sha256: r.actualSha256,
        detail: r.detail,
        reported_by: r.reportedBy,
        reported_at: r.reportedAt,
      };
      await this.db
        .insertInto('distribution_point_files')
        .values({ point_id: r.pointId, sha256: r.sha256, ...values })
        .onConflict((oc) => oc.columns(['point_id', 'sha256']).doUpdateSet(values))
        .execute();
    }
  }

  /**
   * The files a site needs: those of the live deployments (active, completed, halted)
   * that placed a computer of the site, in any phase, open or not.
   */
  async filesForSite(site: string): Promise<{ sha256: string; size: number }[]> {
    return await this.db
      .selectFrom('update_files as f')
      .innerJoin('deployment_updates as du', 'du.update_id', 'f.update_id')
      .innerJoin('deployments as d', 'd.id', 'du.deployment_id')
      .select(['f.sha256', 'f.size'])
      .distinct()
      .where('d.state', 'in', [...contentStates])
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('placements as pl')
            .innerJoin('computers as c', 'c.id', 'pl.computer_id')
            .select('pl.computer_id')
            .whereRef('pl.deployment_id', '=', 'du.deployment_id')
            .where('c.site', '=', site),
        ),
      )
      .orderBy('f.sha256')
      .execute()
      .then((rows) => rows.map((r) => ({ sha256: r.sha256, size: Number(r.size) })));
  }

  /** Live deployments that placed a computer of this site: a staging report may open them. */
  async deploymentsOfSite(site: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('placements as pl')
      .innerJoin('computers as c', 'c.id', 'pl.computer_id')
      .innerJoin('deployments as d', 'd.id', 'pl.deployment_id')
      .select('pl.deployment_id')
      .distinct()
      .where('c.site', '=', site)
      .where('d.state', 'in', [...contentStates])
      .execute();
    return rows.map((r) => r.deployment_id);
  }

  /** The files a deployment carries. */
  async deploymentFiles(deploymentId: string): Promise<DeploymentFile[]> {
    const rows = await this.db
      .selectFrom('update_files as f')
      .innerJoin('deployment_updates as du', 'du.update_id', 'f.update_id')
      .select(['f.update_id', 'f.path', 'f.sha256', 'f.size'])
      .where('du.deployment_id', '=', deploymentId)
      .orderBy('du.position')
      .orderBy('f.path')
      .execute();
    return rows.map((r) => ({
      updateId: r.update_id,
      path: r.path,
      sha256: r.sha256,
      size: Number(r.size),
    }));
  }

  /** The sites of the computers placed in each phase of a deployment (null: no site), with counts. */
  async phaseSites(
    deploymentId: string,
  ): Promise<{ phase: number; site: string | null; computers: number }[]> {
    const rows = await this.db
      .selectFrom('placements as pl')
      .innerJoin('computers as c', 'c.id', 'pl.computer_id')
      .select(['pl.phase', 'c.site', (eb) => eb.fn.countAll().as('n')])
      .where('pl.deployment_id', '=', deploymentId)
      .groupBy(['pl.phase', 'c.site'])
      .execute();
    return rows.map((r) => ({ phase: Number(r.phase), site: r.site, computers: Number(r.n) }));
  }

  async addProblem(problem: ContentProblemRecord): Promise<void> {
    await this.db
      .insertInto('content_problems')
      .values({
        id: problem.id,
        computer_id: problem.computerId,
        point_id: problem.pointId,
        sha256: problem.sha256,
        problem: problem.problem,
        detail: problem.detail,
        at: problem.at,
      })
      .execute();
  }

  /** A computer's latest content problems, newest first. */
  async problemsOf(computerId: string, limit = 20): Promise<ContentProblemRecord[]> {
    const rows = await this.db
      .selectFrom('content_problems')
      .selectAll()
      .where('computer_id', '=', computerId)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      computerId: r.computer_id,
      pointId: r.point_id,
      sha256: r.sha256,
      problem: r.problem,
      detail: r.detail,
      at: Number(r.at),
    }));
  }
}
