import path from 'node:path';
import type { Clock } from '../../domain/clock.js';
import type { Coordination } from '../../store/coordination.js';
import type { Repositories, Transactor } from '../../store/repositories.js';
import { AnnounceService } from '../announce/announce.service.js';
import { Announcer, DEFAULT_ANNOUNCE, type AnnounceOptions } from '../announce/announcer.js';
import { ContentDirectory, type ContentStore } from '../content/content-store.js';
import { DatabaseContentStore } from '../content/database-content-store.js';
import { EngineLoop } from '../engine/engine-loop.js';
import { ProgressRecorder } from '../engine/progress-recorder.js';
import { RolloutDriver } from '../engine/rollout-driver.js';
import { WakeHub } from '../notify/wake-hub.js';
import { ServerMetrics } from '../metrics/metrics.js';
import { WakeService } from '../notify/wake.service.js';
import { AgentService } from './agent.service.js';
import { AuditService } from './audit.service.js';
import { AuthService } from './auth.service.js';
import { BaselineService } from './baseline.service.js';
import { CatalogService } from './catalog.service.js';
import { BundleService } from './bundle.service.js';
import { ComputerService } from './computer.service.js';
import { DeploymentActionsService } from './deployment-actions.service.js';
import { DeploymentService } from './deployment.service.js';
import { DistributionService } from './distribution.service.js';
import { EnrollmentService } from './enrollment.service.js';
import { GroupService } from './group.service.js';
import { MembershipService } from './membership.service.js';
import { ReimageService } from './reimage.service.js';
import { ReportService } from './report.service.js';
import { ReviewService } from './review.service.js';
import { OidcService, type OidcOptions } from './oidc.service.js';
import { TokenService } from './token.service.js';
import { UserService } from './user.service.js';
import { ArchiveImportService } from './archive-import.service.js';
import { DEFAULT_SIGNIN_LIMITS, SignInLimiter, type SignInLimits } from './signin-limiter.js';
import { StatusExplainer } from './status-explainer.js';
import { ComplianceService } from './compliance.service.js';
import { ScanService } from './scan.service.js';
import { SigningService } from './signing.service.js';
import { SiteService } from './site.service.js';
import { ChildService } from './child.service.js';
import { UpstreamSync, type UpstreamOptions } from '../upstream/upstream-sync.js';

export type ServiceOptions = {
  clock: Clock;
  contentDir: string;
  /**
   * PostgreSQL: content is kept in the database, shared by every replica, and the
   * directory is a verified cache. SQLite (one process): the directory is the store.
   */
  contentInDatabase?: boolean;
  checkinIntervalSeconds: number;
  coordination: Coordination;
  /** Real milliseconds between engine ticks. */
  engineIntervalMs: number;
  logError: (error: unknown, message: string) => void;
  /** Runs work in one transaction (enrollment, re-image approval, deployment actions). */
  transaction: Transactor;
  /** See EnrollmentOptions; null or absent: every re-image waits for an admin. */
  reimageAutoApproveAfterSeconds?: number | null;
  /** Sign-in through an OpenID Connect provider; null or absent: off. */
  oidc?: OidcOptions | null;
  /** E-mail and webhooks about deployments; absent: no e-mail, webhooks on a 1 s pass. */
  announce?: AnnounceOptions;
  /** Failed sign-ins allowed per user name and address; default DEFAULT_SIGNIN_LIMITS. */
  signInLimits?: SignInLimits;
  /** This server is a child: sync from this parent; null or absent: no parent. */
  upstream?: UpstreamOptions | null;
};

export type Services = ReturnType<typeof createServices>;

/** Wires each service with only the repositories it uses. */
export function createServices(repos: Repositories, options: ServiceOptions) {
  const { clock, coordination } = options;
  const hub = new WakeHub();
  const wake = new WakeService(hub, repos.deployments, coordination, (e) =>
    options.logError(e, 'wake-up failed'),
  );
  const driver = new RolloutDriver(
    repos.deployments,
    repos.events,
    wake,
    clock,
    undefined,
    new ProgressRecorder(repos.analysis),
    (id, phases) => distribution.phaseContentWaiting(id, phases),
  );
  const explainer = new StatusExplainer(
    repos.deployments,
    repos.groups,
    clock,
    options.checkinIntervalSeconds,
  );
  const metrics = new ServerMetrics(
    repos.analysis,
    repos.deployments,
    clock,
    options.checkinIntervalSeconds,
    async () => new Set((await explainer.staleReport()).map((r) => r.computerId)).size,
  );
  const engine = new EngineLoop(driver, coordination, {
    intervalMs: options.engineIntervalMs,
    nudgeQuietMs: 250,
    clock,
    onError: (e) => options.logError(e, 'rollout engine tick failed'),
    onTick: (ms) => metrics.engineTick(ms),
  });
  const distribution = new DistributionService(
    repos.distribution,
    repos.deployments,
    clock,
    async (ids) => {
      for (const id of ids) await engine.nudge(id);
    },
  );
  const membership = new MembershipService(repos.groups, repos.computers, (ids) =>
    engine.joined(ids),
  );
  const sites = new SiteService({
    rules: repos.siteRules,
    computers: repos.computers,
    membership,
    deploymentsOfSite: (site) => repos.distribution.deploymentsOfSite(site),
    nudge: async (ids) => {
      for (const id of ids) await engine.nudge(id);
    },
    clock,
  });
  const computers = new ComputerService(
    repos.computers,
    repos.groups,
    repos.statuses,
    repos.absences,
    repos.reimages,
    repos.rejections,
    clock,
    options.checkinIntervalSeconds,
    explainer,
    (ids) => wake.disconnect(ids),
    repos.distribution,
  );
  const signing = new SigningService(repos.signing, clock);
  const groups = new GroupService(repos.groups, computers, membership, clock);
  const deployments = new DeploymentService(
    repos.deployments,
    repos.events,
    repos.updates,
    groups,
    engine,
    clock,
    explainer,
  );
  const catalog = new CatalogService(repos.updates, repos.blobs, clock);
  const directory = new ContentDirectory(options.contentDir);
  const content: ContentStore = options.contentInDatabase
    ? new DatabaseContentStore(directory, repos.blobs, options.transaction, clock, {
        logError: options.logError,
        chunkRead: (from) => metrics.contentChunkRead(from),
        cacheCorrupt: () => metrics.contentCacheCorrupt(),
      })
    : directory;
  const scans = new ScanService(repos.scans, repos.updates, computers, groups, wake, clock);
  const announcer = new Announcer(
    repos.announce,
    repos.deployments,
    repos.updates,
    groups,
    clock,
    options.announce ?? DEFAULT_ANNOUNCE,
    options.logError,
  );
  const tokens = new TokenService(repos.tokens, repos.users, clock);
  const bundles = new BundleService(deployments, catalog, content, groups, signing, clock);
  const deploymentActions = new DeploymentActionsService(
    repos.deployments,
    repos.events,
    repos.updates,
    repos.groups,
    deployments,
    wake,
    engine,
    clock,
    options.transaction,
  );
  const upstream = options.upstream
    ? new UpstreamSync(
        repos.upstream,
        options.transaction,
        bundles,
        deployments,
        deploymentActions,
        clock,
        options.upstream,
        () => engine.isLeader,
        options.logError,
      )
    : null;
  const users = new UserService(
    repos.users,
    tokens,
    clock,
    new SignInLimiter(options.signInLimits ?? DEFAULT_SIGNIN_LIMITS, clock),
  );
  return {
    hub,
    engine,
    announcer,
    announce: new AnnounceService(repos.announce, announcer, clock),
    metrics,
    audit: new AuditService(repos.audit, clock),
    auth: new AuthService(repos.tokens, repos.users, repos.computers, clock, repos.distribution),
    distribution,
    sites,
    tokens,
    users,
    oidc: new OidcService(options.oidc ?? null, repos.users, users, clock),
    scans,
    compliance: new ComplianceService(repos.scans, repos.computers, repos.groups, scans, clock),
    baselines: new BaselineService(
      repos.baselines,
      repos.groups,
      repos.updates,
      repos.deployments,
      repos.scans,
      clock,
      options.checkinIntervalSeconds,
    ),
    catalog,
    content,
    bundles,
    children: new ChildService(
      repos.children,
      repos.deployments,
      deployments,
      bundles,
      tokens,
      signing,
      options.transaction,
      clock,
    ),
    upstream,
    archives: new ArchiveImportService(catalog, content, path.join(options.contentDir, 'tmp')),
    computers,
    groups,
    enrollments: new EnrollmentService(repos, options.transaction, membership, sites, clock, {
      reimageAutoApproveAfterSeconds: options.reimageAutoApproveAfterSeconds ?? null,
    }),
    reimages: new ReimageService(repos, options.transaction, membership, clock),
    deployments,
    reports: new ReportService(repos.deployments, repos.analysis, repos.children),
    reviews: new ReviewService(repos.reviews, repos.deployments, repos.events, deployments, clock),
    explainer,
    signing,
    deploymentActions,
    agent: new AgentService(
      repos.computers,
      repos.deployments,
      repos.updates,
      repos.statuses,
      repos.groups,
      repos.absences,
      membership,
      sites,
      signing,
      repos.rejections,
      clock,
      {
        checkinIntervalSeconds: options.checkinIntervalSeconds,
        onReports: (computerId, updateIds) => engine.reported(computerId, updateIds),
        scanRulesVersion: (platform) => scans.rulesVersion(platform),
        distributionPoints: (site) => distribution.sourcesFor(site),
      },
    ),
  };
}
