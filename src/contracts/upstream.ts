import { z } from 'zod';
import { carriedActions } from '../domain/hierarchy/carried-action.js';
import { groupName } from './api.js';
import { pageOf, pageQuery } from './paging.js';

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

/** An admin's last halt, resume or rollback of the deployment on the parent, numbered. */
export const carriedActionView = z.object({
  kind: z.enum(carriedActions),
  /** Its number in the child's feed: the child applies each number once. */
  seq: z.number(),
  reason: z.string(),
  by: z.string(),
  at: z.string(),
});
export type CarriedActionView = z.infer<typeof carriedActionView>;

export const upstreamChange = z.object({
  seq: z.number(),
  deploymentId: z.string(),
  enabled: z.boolean(),
  /** null: no action made of it on the parent (absent from a parent older than this field). */
  action: carriedActionView.nullable().optional(),
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

/** Per-computer statuses batched after a cursor (the bound on one batch). */
export const maxStatusBatch = 500;

export const childComputerStatusReport = z.object({
  /** The computer's id on the child. */
  computerId: z.string().min(1).max(128),
  hostname: z.string().min(1).max(255),
  updateId: z.string().min(1).max(128),
  /** The parent's deployment id, and the child's. */
  deploymentId: z.string().min(1).max(128),
  localDeploymentId: z.string().min(1).max(128),
  state: z.string().min(1).max(64),
  reason: z.string().max(64).nullable(),
  message: z.string().max(4000).nullable(),
  /** The status's time on the child. */
  updatedAt: z.iso.datetime({ offset: true }),
  /** When the row last changed on the child: a later one wins, an older one is ignored. */
  changedAt: z.iso.datetime({ offset: true }),
});
export type ChildComputerStatusReport = z.infer<typeof childComputerStatusReport>;

export const childStatusBatchRequest = z.object({
  /** The cursor this batch starts after (null: the first batch). */
  after: z.string().min(1).max(2000).nullable(),
  /** The cursor this batch ends at: the parent stores it with the statuses. */
  cursor: z.string().min(1).max(2000),
  statuses: z.array(childComputerStatusReport).max(maxStatusBatch),
});
export type ChildStatusBatchRequest = z.infer<typeof childStatusBatchRequest>;

export const childStatusBatchView = z.object({
  received: z.number(),
  /** The cursor stored: the child's next batch starts after it. */
  cursor: z.string(),
});
export type ChildStatusBatchView = z.infer<typeof childStatusBatchView>;

// ---- on the parent, for its admins: the children's computers -------------------

export const childComputersQuery = pageQuery(['hostname'], { sort: 'hostname' }).extend({
  /** Only this deployment of this server. */
  deployment: z.string().min(1).max(128).optional(),
  /** Only statuses in this state (e.g. failed). */
  state: z.string().min(1).max(64).optional(),
});
export type ChildComputersQuery = z.output<typeof childComputersQuery>;

export const childComputerView = z.object({
  /** The child server the computer is on. */
  child: z.string(),
  computerId: z.string(),
  hostname: z.string(),
  updateId: z.string(),
  deploymentId: z.string(),
  localDeploymentId: z.string(),
  state: z.string(),
  reason: z.string().nullable(),
  message: z.string().nullable(),
  updatedAt: z.string(),
  /** When this server received it. */
  receivedAt: z.string(),
});
export type ChildComputerView = z.infer<typeof childComputerView>;

export const childComputerPage = pageOf(childComputerView);

// ---- on the child, for its admins ---------------------------------------------

export const upstreamDeploymentView = z.object({
  parentDeploymentId: z.string(),
  enabled: z.boolean(),
  localDeploymentId: z.string().nullable(),
  error: z.string().nullable(),
  updatedAt: z.string(),
  /** The parent's last halt, resume or rollback of it, and whether it is applied here. */
  action: z
    .object({ kind: z.enum(carriedActions), seq: z.number(), applied: z.boolean() })
    .nullable(),
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
  /** Where the next batch of per-computer statuses starts (the parent acknowledged it). */
  statusCursor: z.string().nullable(),
  deployments: z.array(upstreamDeploymentView),
});
export type UpstreamStatusView = z.infer<typeof upstreamStatusView>;
