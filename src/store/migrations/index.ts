import type { Migration, MigrationProvider } from 'kysely';
import * as foundation from './2026-11-25-0001-foundation.js';
import * as phasedRollout from './2026-11-25-0002-phased-rollout.js';
import * as groupPolicy from './2026-12-02-0001-group-policy.js';
import * as absences from './2026-12-02-0002-absences.js';
import * as placements from './2026-12-02-0003-placements.js';
import * as deploymentUpdates from './2026-12-02-0004-deployment-updates.js';
import * as deploymentPolicy from './2026-12-02-0005-deployment-policy.js';
import * as trustedEnrollment from './2026-12-02-0010-trusted-enrollment.js';
import * as wideIntegers from './2026-12-02-0020-wide-integers.js';
import * as contentScope from './2026-12-02-0021-content-scope.js';
import * as people from './2026-12-03-0010-people.js';
import * as audit from './2026-12-03-0020-audit.js';
import * as signedMetadata from './2026-12-03-0030-signed-metadata.js';
import * as scan from './2026-12-03-0040-scan.js';
import * as statusTruth from './2026-12-03-0045-status-truth.js';
import * as progress from './2026-12-03-0050-progress.js';
import * as listIndexes from './2026-12-03-0060-list-indexes.js';
import * as baselines from './2026-12-04-0010-baselines.js';
import * as distributionPoints from './2026-12-04-0050-distribution-points.js';
import * as inventoryHash from './2026-12-05-0010-inventory-hash.js';
import * as listSpeed from './2026-12-04-0040-list-speed.js';
import * as notifications from './2026-12-04-0060-notifications.js';
import * as packages from './2026-12-04-0070-packages.js';
import * as blobChunks from './2026-12-05-0020-blob-chunks.js';
import * as groupOwnerEmail from './2026-12-05-0060-group-owner-email.js';
import * as review from './2026-12-04-0020-review.js';
import * as upstream from './2026-12-05-0030-upstream.js';
import * as siteRules from './2026-12-06-0010-site-rules.js';
import * as upstreamFeeds from './2026-12-06-0030-upstream-feeds.js';

/** Every migration, in order. Imported statically so the compiled server needs no file scan. */
const migrations: Record<string, Migration> = {
  '2026-11-25-0001-foundation': foundation,
  '2026-11-25-0002-phased-rollout': phasedRollout,
  '2026-12-02-0001-group-policy': groupPolicy,
  '2026-12-02-0002-absences': absences,
  '2026-12-02-0003-placements': placements,
  '2026-12-02-0004-deployment-updates': deploymentUpdates,
  '2026-12-02-0005-deployment-policy': deploymentPolicy,
  '2026-12-02-0010-trusted-enrollment': trustedEnrollment,
  '2026-12-02-0020-wide-integers': wideIntegers,
  '2026-12-02-0021-content-scope': contentScope,
  '2026-12-03-0010-people': people,
  '2026-12-03-0020-audit': audit,
  '2026-12-03-0040-scan': scan,
  '2026-12-03-0045-status-truth': statusTruth,
  '2026-12-03-0050-progress': progress,
  '2026-12-03-0030-signed-metadata': signedMetadata,
  '2026-12-03-0060-list-indexes': listIndexes,
  '2026-12-04-0010-baselines': baselines,
  '2026-12-04-0020-review': review,
  '2026-12-04-0040-list-speed': listSpeed,
  '2026-12-04-0050-distribution-points': distributionPoints,
  '2026-12-04-0060-notifications': notifications,
  '2026-12-04-0070-packages': packages,
  '2026-12-05-0010-inventory-hash': inventoryHash,
  '2026-12-05-0020-blob-chunks': blobChunks,
  '2026-12-05-0060-group-owner-email': groupOwnerEmail,
  '2026-12-05-0030-upstream': upstream,
  '2026-12-06-0010-site-rules': siteRules,
  '2026-12-06-0030-upstream-feeds': upstreamFeeds,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
