import { contentProblemView } from './distribution.js';
import { z } from 'zod';
import { slaSchema } from './review.js';
import { absenceKinds } from '../domain/computer-health.js';
import { cancellingActions, failureReasons, statusStates } from '../domain/status.js';
import { inventory } from './inventory.js';
import { updateFile, updateManifest } from './manifest.js';
import { clientPolicies, maintenanceWindowSchema } from './plan.js';
import { metadataRoles, rejectionReasons } from './metadata.js';

/** The admin API, under /api/v1, authenticated with an admin bearer token. */

export const errorBody = z.object({
  error: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
  requestId: z.string().optional(),
});
export type ErrorBody = z.infer<typeof errorBody>;

// ---- catalog -------------------------------------------------------------

export const createUpdateRequest = z.object({
  manifest: updateManifest,
  files: z.array(updateFile),
});
export type CreateUpdateRequest = z.infer<typeof createUpdateRequest>;

export const updateView = z.object({
  id: z.string(),
  title: z.string(),
  severity: z.string(),
  classification: z.string(),
  uninstallable: z.boolean(),
  files: z.array(updateFile),
  manifest: updateManifest,
  createdAt: z.string(),
});
export type UpdateView = z.infer<typeof updateView>;

// ---- enrollment ----------------------------------------------------------

export const createEnrollmentRequest = z.object({
  group: z.string().min(1).optional(),
  expiresInSeconds: z
    .number()
    .int()
    .positive()
    .max(366 * 86_400)
    .default(7 * 86_400),
  uses: z.number().int().positive().optional(),
});
export type CreateEnrollmentRequest = z.input<typeof createEnrollmentRequest>;

export const enrollmentView = z.object({
  id: z.string(),
  /** Only in the response that creates it: the server keeps a hash. */
  token: z.string().optional(),
  group: z.string().nullable(),
  expiresAt: z.string().nullable(),
  usesLeft: z.number().nullable(),
  uses: z.number(),
  createdAt: z.string(),
  /** Revoked tokens stay listed: when, and by whom. */
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
});
export type EnrollmentView = z.infer<typeof enrollmentView>;

// ---- computers -----------------------------------------------------------

/** "Needs investigation": its last successful run is older than its recurrence interval. */
export const staleView = z.object({
  /** The last success, or when it was assigned if it never succeeded. */
  since: z.string(),
  lastSucceededAt: z.string().nullable(),
  ageSeconds: z.number(),
  /** The recurrence interval it is measured against (the plan's, or its group's). */
  recurrenceSeconds: z.number(),
  message: z.string(),
});
export type StaleView = z.infer<typeof staleView>;

export const statusView = z.object({
  computerId: z.string(),
  hostname: z.string(),
  updateId: z.string(),
  deploymentId: z.string().nullable(),
  state: z.enum(statusStates),
  reason: z.enum(failureReasons).nullable(),
  exitCode: z.number().nullable(),
  output: z.string().nullable(),
  message: z.string().nullable(),
  attempts: z.number(),
  updatedAt: z.string().nullable(),
  installedAt: z.string().nullable(),
  // The four below are always sent; optional for answers of older servers.
  /** Set when `state` is cancelled: the action that did it, the actor, the time. */
  cancelled: z
    .object({ by: z.enum(cancellingActions), actor: z.string(), at: z.string() })
    .nullable()
    .optional(),
  /** Why a status that is not final waits (computed); null for a final one. */
  why: z.string().nullable().optional(),
  /** The computer's last check-in (`updatedAt` is the status's own time). */
  lastSeenAt: z.string().nullable().optional(),
  /** Set when the computer needs investigation (see staleView). */
  stale: staleView.nullable().optional(),
});
export type StatusView = z.infer<typeof statusView>;

export const absenceView = z.object({
  kind: z.enum(absenceKinds),
  from: z.string(),
  to: z.string(),
  detail: z.string().nullable(),
});
export type AbsenceView = z.infer<typeof absenceView>;

export const computerView = inventory.extend({
  id: z.string(),
  /** `site` is the effective site; this is what its agent told (`--site`). */
  reportedSite: z.string().nullable(),
  /** Where `site` came from: `agent`, `subnet rule 10.1.0.0/16`; null: no site. */
  siteSource: z.string().nullable(),
  /** The address the server saw its last enrollment or check-in from. */
  seenAddress: z.string().nullable(),
  groups: z.array(z.string()),
  enrolledAt: z.string(),
  lastSeenAt: z.string().nullable(),
  /** online, or offline since its last check-in (missed check-ins). */
  health: z.object({
    state: z.enum(['online', 'offline', 'never-seen']),
    since: z.string().nullable(),
  }),
  /** Why it was last away, once it is back: offline, agent-stopped, server-unreachable, reimaged. */
  lastAbsence: absenceView.nullable(),
  reimagedAt: z.string().nullable(),
  reimageCount: z.number(),
  /** When its credential was revoked, and by whom (every call with it then gets a 401). */
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
});
export type ComputerView = z.infer<typeof computerView>;

/** A claimed re-image: an agent enrolled with this computer's hostname and hardware id. */
export const reimageRequestView = z.object({
  id: z.string(),
  computerId: z.string(),
  hostname: z.string(),
  hardwareId: z.string(),
  enrollmentId: z.string(),
  state: z.enum(['pending', 'approved', 'refused']),
  requestedAt: z.string(),
  decidedAt: z.string().nullable(),
  /** An admin token's name, or `auto-approve` (see docs/operations.md). */
  decidedBy: z.string().nullable(),
});
export type ReimageRequestView = z.infer<typeof reimageRequestView>;

/** A check-in answer the agent refused: its signed metadata did not verify. */
export const rejectionView = z.object({
  reason: z.enum(rejectionReasons),
  role: z.enum(metadataRoles).nullable(),
  detail: z.string(),
  /** When the agent refused it, by its clock. */
  at: z.string(),
  receivedAt: z.string(),
});
export type RejectionView = z.infer<typeof rejectionView>;

export const computerDetailView = computerView.extend({
  statuses: z.array(statusView),
  /** Recent absences, newest first. */
  absences: z.array(absenceView),
  /** Recent rejections, newest first (absent from servers before signed metadata). */
  rejections: z.array(rejectionView).default([]),
  /** Bad or missing copies its agent found at distribution points (and fetched elsewhere), newest first. */
  contentProblems: z.array(contentProblemView).default([]),
  /** Claimed re-images of it, newest first. */
  reimageRequests: z.array(reimageRequestView),
});
export type ComputerDetailView = z.infer<typeof computerDetailView>;

// ---- groups --------------------------------------------------------------

export const groupName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    message: 'must start with a letter or digit and hold only letters, digits, ".", "_" or "-"',
  });

export const createGroupRequest = z.object({
  name: groupName,
  query: z.string().min(1).max(4000).optional(),
  /** The client policy for the group's computers (a deployment may override it). */
  policy: z.enum(clientPolicies).optional(),
});
export type CreateGroupRequest = z.infer<typeof createGroupRequest>;

export const groupPreviewRequest = z.object({ query: z.string().min(1).max(4000) });
export type GroupPreviewRequest = z.infer<typeof groupPreviewRequest>;

/** Which computers a query would reach now: how many, and the first of them by hostname. */
export const groupPreviewView = z.object({
  count: z.number(),
  members: z.array(z.object({ id: z.string(), hostname: z.string() })),
});
export type GroupPreviewView = z.infer<typeof groupPreviewView>;

export const addGroupMembersRequest = z.object({
  /** Computer ids or hostnames. */
  computers: z.array(z.string().min(1)).min(1),
});
export type AddGroupMembersRequest = z.infer<typeof addGroupMembersRequest>;

export const groupView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['static', 'query']),
  query: z.string().nullable(),
  memberCount: z.number(),
  windows: z.array(maintenanceWindowSchema),
  /** The client policy the group sets for its computers; null: it sets none. */
  policy: z.enum(clientPolicies).nullable(),
  /**
   * Told the rollout schedule for its computers that report no owner e-mail; null: none.
   * Absent from servers before it: read as none.
   */
  ownerEmail: z.string().nullable().default(null),
  createdAt: z.string(),
});
export type GroupView = z.infer<typeof groupView>;

export const groupDetailView = groupView.extend({
  members: z.array(z.object({ id: z.string(), hostname: z.string() })),
});
export type GroupDetailView = z.infer<typeof groupDetailView>;

// ---- deployments ---------------------------------------------------------

export const createDeploymentRequest = z
  .object({
    /** The updates approved together (e.g. a month's security updates). */
    updates: z.array(z.string().min(1)).min(1).max(1000).optional(),
    /** One update: the same as `updates: [update]`. */
    update: z.string().min(1).optional(),
    /** One target group, or several with `groups`. */
    group: z.string().min(1).optional(),
    groups: z.array(z.string().min(1)).min(1).optional(),
    /** A deployment plan (see contracts/plan.ts); default: one phase, 100%, at once. */
    plan: z.unknown().optional(),
    /** Deploy even though a live deployment of the update targets one of these groups. */
    allowDuplicate: z.boolean().optional(),
    /** The target its review measures against, e.g. `{ percent: 95, hours: 48 }`. */
    sla: slaSchema.optional(),
  })
  .refine((r) => r.group !== undefined || r.groups !== undefined, {
    message: 'give the target as "group" or "groups"',
    path: ['group'],
  })
  .refine((r) => r.update !== undefined || r.updates !== undefined, {
    message: 'give the updates as "updates" (or one as "update")',
    path: ['updates'],
  });
export type CreateDeploymentRequest = z.infer<typeof createDeploymentRequest>;

export const deploymentActionRequest = z.object({
  reason: z.string().min(1).max(2000).optional(),
});
export type DeploymentActionRequest = z.infer<typeof deploymentActionRequest>;

export const redeployRequest = z.object({
  failedOnly: z.boolean().default(true),
  /** A new revision of the update to deploy to those computers instead. */
  update: z.string().min(1).optional(),
  reason: z.string().min(1).max(2000).optional(),
});
export type RedeployRequest = z.infer<typeof redeployRequest>;

/** When the computers in a state were last heard of: the newest status time and check-in. */
export const lastHeardView = z.partialRecord(
  z.enum(statusStates),
  z.object({ statusAt: z.string().nullable(), checkinAt: z.string().nullable() }),
);
export type LastHeardView = z.infer<typeof lastHeardView>;

export const phaseView = z.object({
  index: z.number(),
  name: z.string(),
  percent: z.number().nullable(),
  groups: z.array(z.string()),
  openedAt: z.string().nullable(),
  promotedAt: z.string().nullable(),
  size: z.number(),
  counts: z.record(z.enum(statusStates), z.number()),
  /** Per state with computers in it (always sent; optional for answers of older servers). */
  lastHeard: lastHeardView.optional(),
});
export type PhaseView = z.infer<typeof phaseView>;

export const deploymentView = z.object({
  id: z.string(),
  /** The first of `updates` (for clients written when a deployment had one). */
  updateId: z.string(),
  /** Every update it carries (always sent; optional for answers of older servers). */
  updates: z.array(z.string()).optional(),
  groups: z.array(z.string()),
  /** active | halted | revoked | completed | rolling-back | rolled-back */
  state: z.string(),
  /** Why it is in that state: the gate's figures or the admin's reason. */
  stateReason: z.string().nullable(),
  action: z.enum(['install', 'uninstall']),
  /** The client policy the deployment sets; null: its computers' groups decide (else scheduled). */
  policy: z.enum(clientPolicies).nullable().optional(),
  emergency: z.string().nullable(),
  deadline: z.string().nullable(),
  waitingFor: z.string().nullable(),
  createdAt: z.string(),
  /** Computer × update pairs per status state; every state of the model is present. */
  counts: z.record(z.enum(statusStates), z.number()),
  total: z.number(),
  /** Per state with computers in it: when they were last heard of (always sent; optional as `updates`). */
  lastHeard: lastHeardView.optional(),
  /** The same counts for each update alone (always sent; optional as `updates`). */
  countsByUpdate: z.record(z.string(), z.record(z.enum(statusStates), z.number())).optional(),
  phases: z.array(phaseView),
  plan: z.unknown(),
});
export type DeploymentView = z.infer<typeof deploymentView>;

/** One target computer × update of a deployment, with the phase it is placed in. */
export const deploymentComputerView = statusView.extend({ phase: z.string().nullable() });
export type DeploymentComputerView = z.infer<typeof deploymentComputerView>;

/** A deployment's counts; its computers are a list of their own (`GET …/:id/computers`). */
export const deploymentDetailView = deploymentView;
export type DeploymentDetailView = z.infer<typeof deploymentDetailView>;

/** One computer × update of a live deployment that needs investigation. */
export const staleReportRow = z.object({
  computerId: z.string(),
  hostname: z.string(),
  deploymentId: z.string(),
  updateId: z.string(),
  state: z.enum(statusStates),
  lastSeenAt: z.string().nullable(),
  stale: staleView,
});
export type StaleReportRow = z.infer<typeof staleReportRow>;

export const deploymentEventView = z.object({
  /**
   * Sortable by time; the audit entry of the same action names it (always sent; optional
   * for answers of older servers).
   */
  id: z.string().optional(),
  at: z.string(),
  type: z.string(),
  phase: z.string().nullable(),
  message: z.string(),
  actor: z.string(),
});
export type DeploymentEventView = z.infer<typeof deploymentEventView>;

/** One `deployment` event of GET /api/v1/deployments/:id/live. */
export const deploymentLiveView = z.object({
  deployment: deploymentDetailView,
  events: z.array(deploymentEventView),
});
export type DeploymentLiveView = z.infer<typeof deploymentLiveView>;

export const dryRunView = z.object({
  phases: z.array(
    z.object({
      name: z.string(),
      percent: z.number().nullable(),
      groups: z.array(z.string()),
      earliestOpenAt: z.string(),
      openWhy: z.string(),
      gate: z.string(),
      computers: z.array(
        z.object({
          id: z.string(),
          hostname: z.string(),
          earliestStartAt: z.string().nullable(),
          why: z.string(),
        }),
      ),
    }),
  ),
  unreached: z.array(z.object({ id: z.string(), hostname: z.string() })),
});
export type DryRunView = z.infer<typeof dryRunView>;

export const setWindowsRequest = z.object({ windows: z.array(maintenanceWindowSchema) });
export type SetWindowsRequest = z.infer<typeof setWindowsRequest>;

/** Sets a group's client policy; null clears it. */
export const setGroupPolicyRequest = z.object({ policy: z.enum(clientPolicies).nullable() });
export type SetGroupPolicyRequest = z.infer<typeof setGroupPolicyRequest>;

export const setGroupOwnerEmailRequest = z.object({
  ownerEmail: z.email().max(254).nullable(),
});
export type SetGroupOwnerEmailRequest = z.infer<typeof setGroupOwnerEmailRequest>;

export const deploymentActions = [
  'halt',
  'resume',
  'revoke',
  'rollback',
  'promote',
  'redeploy',
] as const;
export type DeploymentAction = (typeof deploymentActions)[number];
