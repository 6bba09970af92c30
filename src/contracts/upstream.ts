import { z } from 'zod';
import { groupName } from './api.js';

/**
 * Parent and child servers. A child pulls from its parent the deployments the parent
 * enabled for it (each carried as a signed bundle), makes them locally, and pushes its
 * computers' statuses up, counted per deployment and state.
 */

/** A child's name at its parent: spelled as a group name. */
export const childName = groupName;

/** Statuses per state (the state names of the child's version). */
const counts = z.record(z.string().max(64), z.number().int().min(0));

// ---- on the parent, for its admins ------------------------------------------

export const addChildRequest = z.object({ name: childName });
export type AddChildRequest = z.infer<typeof addChildRequest>;

/** Which deployments an enable or a hold is about: one, or every one (`all`). */
export const childEnablementRequest = z
  .object({
    deployment: z.string().min(1).max(128).optional(),
    /** Enable: every live deployment; hold: every deployment now enabled. */
    all: z.boolean().optional(),
  })
  .refine((r) => (r.deployment === undefined) !== (r.all !== true), {
    message: 'name one deployment, or all: true',
    path: ['deployment'],
  });
export type ChildEnablementRequest = z.infer<typeof childEnablementRequest>;

export const childView = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  /** When the child last pulled from here: its freshness. */
  lastSyncAt: z.string().nullable(),
  /** When the child last pushed its statuses up. */
  lastReportAt: z.string().nullable(),
  /** The deployments it is enabled for, and those held. */
  enabled: z.array(z.string()),
  held: z.array(z.string()),
  /** Only in the answer to `child add`: the token the child calls with. */
  token: z.string().optional(),
});
export type ChildView = z.infer<typeof childView>;

export const childEnablementView = z.object({
  child: z.string(),
  /** The deployments this call changed. */
  changed: z.array(z.string()),
  enabled: z.boolean(),
});
export type ChildEnablementView = z.infer<typeof childEnablementView>;

/** One child's part of a deployment, as it last reported. */
export const deploymentChildView = z.object({
  name: z.string(),
  /** enabled, held, or not-enabled (never enabled for it). */
  sync: z.enum(['enabled', 'held', 'not-enabled']),
  lastSyncAt: z.string().nullable(),
  lastReportAt: z.string().nullable(),
  /** The deployment the child made from it, its state there, and its statuses. */
  localDeploymentId: z.string().nullable(),
  state: z.string().nullable(),
  counts: counts,
  total: z.number(),
  /** Why the child could not make it (e.g. a group missing there). */
  error: z.string().nullable(),
  /** The child's clock when it counted. */
  countedAt: z.string().nullable(),
});
export type DeploymentChildView = z.infer<typeof deploymentChildView>;

export const deploymentTreeView = z.object({
  deploymentId: z.string(),
  /** This server's own computers. */
  here: z.object({ counts, total: z.number() }),
  children: z.array(deploymentChildView),
  /** Here and every child, added up. */
  tree: z.object({ counts, total: z.number() }),
});
export type DeploymentTreeView = z.infer<typeof deploymentTreeView>;

// ---- on the parent, for its children ------------------------------------------

export const upstreamHelloView = z.object({
  /** The child's name, as its token says. */
  name: z.string(),
  /** The key id that signs this server's bundles: the child pins it. */
  signer: z.string(),
  version: z.string(),
});
export type UpstreamHelloView = z.infer<typeof upstreamHelloView>;

export const upstreamChangesQuery = z.object({
  /** The number of the last change the child applied; 0 at first. */
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type UpstreamChangesQuery = z.output<typeof upstreamChangesQuery>;

export const upstreamChange = z.object({
  seq: z.number(),
  deploymentId: z.string(),
  enabled: z.boolean(),
});
export type UpstreamChange = z.infer<typeof upstreamChange>;

export const upstreamChangesView = z.object({
  changes: z.array(upstreamChange),
  /** Pass it as `after` next time. */
  cursor: z.number(),
  /** More changes wait past this page. */
  more: z.boolean(),
});
export type UpstreamChangesView = z.infer<typeof upstreamChangesView>;

export const childDeploymentReport = z.object({
  /** The parent's deployment id. */
  deploymentId: z.string().min(1).max(128),
  localDeploymentId: z.string().min(1).max(128).nullable(),
  state: z.string().max(64).nullable(),
  counts,
  total: z.number().int().min(0),
  error: z.string().max(4000).nullable(),
});
export type ChildDeploymentReport = z.infer<typeof childDeploymentReport>;

export const childReportRequest = z.object({
  /** The child's clock when it counted. */
  countedAt: z.iso.datetime({ offset: true }),
  /** Every deployment the parent enabled for it: the parent keeps only these. */
  deployments: z.array(childDeploymentReport).max(10_000),
});
export type ChildReportRequest = z.infer<typeof childReportRequest>;

// ---- on the child, for its admins ---------------------------------------------

export const upstreamDeploymentView = z.object({
  parentDeploymentId: z.string(),
  enabled: z.boolean(),
  localDeploymentId: z.string().nullable(),
  error: z.string().nullable(),
  updatedAt: z.string(),
});

export const upstreamStatusView = z.object({
  /** null: this server has no parent. */
  parentUrl: z.string().nullable(),
  name: z.string().nullable(),
  signer: z.string().nullable(),
  cursor: z.number(),
  lastSyncAt: z.string().nullable(),
  lastReportAt: z.string().nullable(),
  /** The last failed sync's error, while the sync fails (cleared by one that works). */
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  deployments: z.array(upstreamDeploymentView),
});
export type UpstreamStatusView = z.infer<typeof upstreamStatusView>;
