import { z } from 'zod';
import { createUpdateRequest } from './api.js';
import { sha256Hex } from './manifest.js';
import { keyId, publicKey, signedEnvelope } from './metadata.js';

/**
 * A bundle carries a tested deployment from one server to another (test → production):
 * a tar archive whose first entry, `bundle.json`, is a signed envelope naming every
 * update's manifest and files (with hashes) and the deployment's plan; each file follows
 * as `content/<sha256>`. The importing server checks the signature and every hash.
 */

export const BUNDLE_FORMAT = 'ringmaster-bundle';
export const BUNDLE_VERSION = 1;
export const BUNDLE_INDEX = 'bundle.json';
/** The signed index is small: manifests and a plan. Anything bigger is not a bundle. */
export const MAX_BUNDLE_INDEX_BYTES = 4 * 1024 * 1024;

export const bundleUpdate = createUpdateRequest;

export const bundleBody = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION),
  exportedAt: z.iso.datetime({ offset: true }),
  /** The exporting server's Ringmaster version. */
  source: z.object({ version: z.string().max(64) }),
  /** The key that signed the bundle (the exporting server's targets key). */
  signer: publicKey,
  deployment: z.object({
    /** Its id on the exporting server. */
    id: z.string().min(1).max(128),
    updates: z.array(z.string().min(1).max(128)).min(1).max(1000),
    groups: z.array(z.string().min(1).max(128)).min(1).max(100),
    plan: z.unknown(),
  }),
  updates: z.array(bundleUpdate).min(1).max(1000),
});
export type BundleBody = z.infer<typeof bundleBody>;

export const bundleEnvelope = signedEnvelope;

/** `ringmaster import`: how groups map, whether to change anything, whom to trust. */
export const importBundleQuery = z.object({
  /** Report what would happen; store nothing. */
  dryRun: z.stringbool().optional(),
  /** Target groups renamed on the way in: `test-pilot=pilot,test-all=all-workstations`. */
  mapGroups: z.string().max(4000).optional(),
  /** Refuse the bundle unless this key (its id) signed it. */
  expectSigner: keyId.optional(),
});
export type ImportBundleQuery = z.infer<typeof importBundleQuery>;

export const importGroupView = z.object({
  /** The group's name in the bundle. */
  name: z.string(),
  /** The name it has on this server (the same unless mapped). */
  mappedTo: z.string(),
  exists: z.boolean(),
});

export const importBundleView = z.object({
  dryRun: z.boolean(),
  signer: z.object({ keyid: z.string(), publicKey: z.string() }),
  source: z.object({ deploymentId: z.string(), version: z.string(), exportedAt: z.string() }),
  updates: z.array(
    z.object({
      id: z.string(),
      /** created: new here; existing: already here with the same content; would-create: dry run. */
      outcome: z.enum(['created', 'existing', 'would-create']),
      files: z.number(),
    }),
  ),
  files: z.array(z.object({ sha256: sha256Hex, size: z.number() })),
  groups: z.array(importGroupView),
  /** Groups that must exist (or be mapped with mapGroups) before the deployment can be made. */
  missingGroups: z.array(z.string()),
  /** The deployment made here (null on a dry run). */
  deploymentId: z.string().nullable(),
});
export type ImportBundleView = z.infer<typeof importBundleView>;
