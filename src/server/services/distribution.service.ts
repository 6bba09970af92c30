import type {
  ContentStatusView,
  PointNeedsResponse,
  PointSource,
  PointView,
  SiteView,
} from '../../contracts/distribution.js';
import type { Page, PageRequest } from '../../contracts/paging.js';
import type { Clock } from '../../domain/clock.js';
import { liveStates } from '../../domain/deployment/state.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import {
  contentReadiness,
  describeGaps,
  type PointHolding,
} from '../../domain/rollout/readiness.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type {
  DistributionRepository,
  PointFileRecord,
  PointRecord,
} from '../../store/distribution.repository.js';
import type { z } from 'zod';
import type { contentProblemRequest, stagingRequest } from '../../contracts/distribution.js';
import { generateSecret, hashSecret, newId } from './secrets.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** How often a point asks what to hold (a staging report or a new deployment makes it matter). */
const POINT_POLL_SECONDS = 30;

/**
 * Sites and distribution points: registering them, what each must hold, what each
 * reports holding, the readiness gate's inputs, and the points an agent is told of.
 */
export class DistributionService {
  constructor(
    private readonly repo: DistributionRepository,
    private readonly deployments: DeploymentRepository,
    private readonly clock: Clock,
    /** These deployments may open a phase now (a point staged their content). */
    private readonly nudge: (deploymentIds: readonly string[]) => Promise<void>,
  ) {}

  async register(request: {
    site: string;
    url: string;
    order?: number | undefined;
    kind: 'managed' | 'static';
  }): Promise<PointView> {
    const now = this.clock.now();
    let order = request.order;
    if (order === undefined) {
      const existing = await this.repo.ofSites([request.site]);
      order = existing.reduce((max, p) => Math.max(max, p.order + 1), 0);
    }
    const token = generateSecret('rmdp');
    const point: PointRecord = {
      id: newId('dp'),
      site: request.site,
      url: request.url.replace(/\/+$/, ''),
      order,
      kind: request.kind,
      tokenHash: hashSecret(token),
      createdAt: now,
      lastSeenAt: null,
    };
    await this.repo.create(point);
    // Its site's deployments now wait for it (or, static, stop waiting on nothing).
    await this.nudge(await this.repo.deploymentsOfSite(point.site));
    return { ...(await this.view(point)), token };
  }

  async remove(id: string): Promise<PointView> {
    const point = await this.repo.find(id);
    if (!point) throw new NotFoundError('distribution point', id);
    const view = await this.view(point);
    await this.repo.remove(id);
    await this.nudge(await this.repo.deploymentsOfSite(point.site));
    return view;
  }

  async list(page: PageRequest<'site' | 'id'>, site?: string): Promise<Page<PointView>> {
    const found = await this.repo.page(page, site);
    const items: PointView[] = [];
    for (const p of found.items) items.push(await this.view(p));
    return { ...found, items };
  }

  sites(page: PageRequest<'name'>): Promise<Page<SiteView>> {
    return this.repo.sites(page);
  }

  /** The credential's point; throws the same 401 for unknown and removed. */
  async authenticate(tokenHash: string): Promise<PointRecord | undefined> {
    return await this.repo.findByTokenHash(tokenHash);
  }

  /** The points an agent at `site` tries, in order, before the server. */
  async sourcesFor(site: string | null): Promise<PointSource[]> {
    if (site === null) return [];
    return (await this.repo.ofSites([site])).map((p) => ({ id: p.id, url: p.url }));
  }

  async needs(point: PointRecord): Promise<PointNeedsResponse> {
    await this.repo.touch(point.id, this.clock.now());
    const files = await this.repo.filesForSite(point.site);
    const held = new Map((await this.repo.files([point.id])).map((f) => [f.sha256, f.state]));
    return {
      pointId: point.id,
      site: point.site,
      files: files.map((f) => ({ ...f, state: held.get(f.sha256) ?? null })),
      nextPollSeconds: POINT_POLL_SECONDS,
    };
  }

  /** Whether a point may download this file from the server: its site needs it. */
  async mayServe(point: PointRecord, sha256: string): Promise<boolean> {
    return (await this.repo.filesForSite(point.site)).some((f) => f.sha256 === sha256);
  }

  async staging(
    point: PointRecord,
    request: z.output<typeof stagingRequest>,
  ): Promise<{ recorded: number }> {
    const now = this.clock.now();
    await this.repo.touch(point.id, now);
    const records: PointFileRecord[] = request.files.map((f) => ({
      pointId: point.id,
      sha256: f.sha256,
      state: f.state,
      actualSha256: f.actualSha256,
      detail: f.detail,
      reportedBy: 'point',
      reportedAt: now,
    }));
    await this.repo.recordFiles(records);
    await this.nudge(await this.repo.deploymentsOfSite(point.site));
    return { recorded: records.length };
  }

  /**
   * An agent found a bad copy at a point of its site: kept with the computer, and the
   * point's file marked so (the point verifies it again and fetches it anew).
   */
  async agentProblem(
    computer: { id: string; site: string | null },
    request: z.output<typeof contentProblemRequest>,
  ): Promise<{ recorded: boolean }> {
    const now = this.clock.now();
    const point = await this.repo.find(request.pointId);
    if (!point || point.site !== computer.site) {
      throw new ValidationError(`pointId: not a distribution point of this computer's site`, [
        { field: 'pointId', message: "not a distribution point of this computer's site" },
      ]);
    }
    await this.repo.addProblem({
      id: newId('cp'),
      computerId: computer.id,
      pointId: point.id,
      sha256: request.sha256,
      problem: request.problem,
      detail: request.detail,
      at: now,
    });
    if (request.problem !== 'unreachable') {
      await this.repo.recordFiles([
        {
          pointId: point.id,
          sha256: request.sha256,
          state: request.problem,
          actualSha256: null,
          detail: `${request.problem} as found by computer ${computer.id}${request.detail ? `: ${request.detail}` : ''}`,
          reportedBy: computer.id,
          reportedAt: now,
        },
      ]);
    }
    return { recorded: true };
  }

  async problemsOf(computerId: string) {
    return (await this.repo.problemsOf(computerId)).map((p) => ({
      pointId: p.pointId,
      sha256: p.sha256,
      problem: p.problem,
      detail: p.detail,
      at: iso(p.at),
    }));
  }

  /**
   * The readiness gate's input for the engine: per phase, what its sites still lack on
   * their managed points, in words (null: ready).
   */
  async phaseContentWaiting(deploymentId: string, phases: number): Promise<(string | null)[]> {
    const placed = await this.repo.phaseSites(deploymentId);
    const sites = [...new Set(placed.map((p) => p.site).filter((s): s is string => s !== null))];
    const holdings = await this.holdings(sites);
    // No managed point at its sites: nothing to wait for, no more to read.
    if (!holdings.some((h) => h.kind === 'managed'))
      return Array.from({ length: phases }, () => null);
    const files = await this.repo.deploymentFiles(deploymentId);
    return Array.from({ length: phases }, (_, i) => {
      const readiness = contentReadiness(
        files,
        placed.filter((p) => p.phase === i).map((p) => p.site),
        holdings,
      );
      return readiness.ready ? null : describeGaps(readiness.gaps);
    });
  }

  async contentStatus(deploymentId?: string): Promise<ContentStatusView> {
    const deployments = [];
    if (deploymentId !== undefined) {
      const d = await this.deployments.find(deploymentId);
      if (!d) throw new NotFoundError('deployment', deploymentId);
      deployments.push(d);
    } else {
      deployments.push(...(await this.deployments.inStates(liveStates)));
    }
    const out: ContentStatusView['deployments'] = [];
    for (const d of deployments) {
      const files = await this.repo.deploymentFiles(d.id);
      const placed = await this.repo.phaseSites(d.id);
      const bySite = new Map<string | null, number>();
      for (const p of placed) bySite.set(p.site, (bySite.get(p.site) ?? 0) + p.computers);
      const siteNames = [...bySite.keys()].filter((s): s is string => s !== null);
      const points = await this.repo.ofSites(siteNames);
      const holdings = await this.holdings(siteNames, points);
      const sites: ContentStatusView['deployments'][number]['sites'] = [];
      let ready = true;
      for (const [site, computers] of [...bySite.entries()].sort(([a], [b]) =>
        (a ?? '').localeCompare(b ?? ''),
      )) {
        const readiness = contentReadiness(files, [site], holdings);
        ready &&= readiness.ready;
        const ofSite = points.filter((p) => p.site === site);
        sites.push({
          site,
          computers,
          servedBy: ofSite.some((p) => p.kind === 'managed')
            ? 'points'
            : ofSite.length > 0
              ? 'static-points'
              : 'server',
          points: ofSite.map((p) => ({
            id: p.id,
            kind: p.kind,
            url: p.url,
            staged: files.filter(
              (f) =>
                holdings.find((h) => h.pointId === p.id)?.files.get(f.sha256)?.state === 'staged',
            ).length,
          })),
          gaps: readiness.gaps.map((g) => ({
            pointId: g.pointId,
            sha256: g.sha256,
            path: g.path,
            state: g.state,
            detail: g.detail,
          })),
        });
      }
      out.push({
        id: d.id,
        state: d.state,
        files: new Set(files.map((f) => f.sha256)).size,
        ready,
        waitingFor: d.waitingFor,
        sites,
      });
    }
    return { deployments: out };
  }

  private async holdings(
    sites: readonly string[],
    known?: readonly PointRecord[],
  ): Promise<PointHolding[]> {
    const points = known ?? (await this.repo.ofSites(sites));
    const files = await this.repo.files(points.map((p) => p.id));
    return points.map((p) => ({
      pointId: p.id,
      site: p.site,
      kind: p.kind,
      files: new Map(
        files
          .filter((f) => f.pointId === p.id)
          .map((f) => [f.sha256, { state: f.state, detail: f.detail }]),
      ),
    }));
  }

  private async view(point: PointRecord): Promise<PointView> {
    const files = await this.repo.files([point.id]);
    const count = (state: string) => files.filter((f) => f.state === state).length;
    return {
      id: point.id,
      site: point.site,
      url: point.url,
      order: point.order,
      kind: point.kind,
      createdAt: iso(point.createdAt),
      lastSeenAt: point.lastSeenAt === null ? null : iso(point.lastSeenAt),
      files: { staged: count('staged'), missing: count('missing'), corrupt: count('corrupt') },
    };
  }
}
