import type { Kysely } from 'kysely';
import { AbsenceRepository } from './absence.repository.js';
import { AnalysisRepository } from './analysis.repository.js';
import { AnnounceRepository } from './announce.repository.js';
import { AuditRepository } from './audit.repository.js';
import { BaselineRepository } from './baseline.repository.js';
import { BlobRepository } from './blob.repository.js';
import { ChildRepository } from './child.repository.js';
import type { ComputerCache } from './computer-cache.js';
import { ComputerRepository } from './computer.repository.js';
import { DeploymentRepository } from './deployment.repository.js';
import { DistributionRepository } from './distribution.repository.js';
import { EnrollmentRepository } from './enrollment.repository.js';
import { EventRepository } from './event.repository.js';
import { GroupRepository } from './group.repository.js';
import { ReimageRepository } from './reimage.repository.js';
import { ScanRepository } from './scan.repository.js';
import { RejectionRepository } from './rejection.repository.js';
import { ReviewRepository } from './review.repository.js';
import { DeferredReach, type ReachCache } from './reach-cache.js';
import type { Database } from './schema.js';
import type { SeenWriter } from './seen-writer.js';
import { SigningRepository } from './signing.repository.js';
import { SiteRuleRepository } from './site-rule.repository.js';
import { StatusRepository } from './status.repository.js';
import { TokenRepository } from './token.repository.js';
import { UpdateRepository } from './update.repository.js';
import { UpstreamRepository } from './upstream.repository.js';
import { UserRepository } from './user.repository.js';

export type Repositories = ReturnType<typeof createRepositories>;

/**
 * What the server's repositories share in memory (all optional: a test or a tool may
 * open repositories without them): check-ins' times written in batches, computer rows
 * by credential (SQLite only), and the computers nothing reaches.
 */
export type Shared = {
  seen?: SeenWriter | null;
  computers?: ComputerCache | null;
  reach?: ReachCache | null;
};

/** Runs `work` in one transaction over repositories bound to it: all of it, or none. */
export type Transactor = <T>(work: (repos: Repositories) => Promise<T>) => Promise<T>;

export function transactor(db: Kysely<Database>, shared: Shared = {}): Transactor {
  return async (work) => {
    // What reaches computers is told once committed; a rolled-back change tells nothing.
    const reach = shared.reach ? new DeferredReach(shared.reach) : null;
    const result = await db
      .transaction()
      .execute((trx) => work(createRepositories(trx, shared, reach)));
    await reach?.commit();
    return result;
  };
}

export function createRepositories(
  db: Kysely<Database>,
  shared: Shared = {},
  transactionReach: DeferredReach | null = null,
) {
  const computers = shared.computers ?? null;
  return {
    absences: new AbsenceRepository(db),
    analysis: new AnalysisRepository(db, shared.seen ?? null),
    announce: new AnnounceRepository(db),
    audit: new AuditRepository(db),
    baselines: new BaselineRepository(db),
    blobs: new BlobRepository(db),
    children: new ChildRepository(db),
    computers: new ComputerRepository(db, shared.seen ?? null, computers),
    deployments: transactionReach
      ? new DeploymentRepository(db, transactionReach, null, shared.seen ?? null)
      : new DeploymentRepository(
          db,
          shared.reach ?? null,
          shared.reach ?? null,
          shared.seen ?? null,
        ),
    distribution: new DistributionRepository(db),
    enrollments: new EnrollmentRepository(db),
    events: new EventRepository(db),
    groups: new GroupRepository(db),
    reimages: new ReimageRepository(db),
    scans: new ScanRepository(db),
    rejections: new RejectionRepository(db),
    reviews: new ReviewRepository(db),
    signing: new SigningRepository(db),
    siteRules: new SiteRuleRepository(db),
    statuses: new StatusRepository(db, computers),
    tokens: new TokenRepository(db),
    updates: new UpdateRepository(db),
    upstream: new UpstreamRepository(db),
    users: new UserRepository(db),
  };
}
