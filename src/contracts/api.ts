import { z } from 'zod';
import { failureReasons, statusStates } from '../domain/status.js';
import { inventory } from './inventory.js';
import { updateFile, updateManifest } from './manifest.js';

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
});
export type EnrollmentView = z.infer<typeof enrollmentView>;

// ---- computers -----------------------------------------------------------

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
});
export type StatusView = z.infer<typeof statusView>;

export const computerView = inventory.extend({
  id: z.string(),
  groups: z.array(z.string()),
  enrolledAt: z.string(),
  lastSeenAt: z.string().nullable(),
});
export type ComputerView = z.infer<typeof computerView>;

export const computerDetailView = computerView.extend({
  statuses: z.array(statusView),
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
});
export type CreateGroupRequest = z.infer<typeof createGroupRequest>;

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
  createdAt: z.string(),
});
export type GroupView = z.infer<typeof groupView>;

export const groupDetailView = groupView.extend({
  members: z.array(z.object({ id: z.string(), hostname: z.string() })),
});
export type GroupDetailView = z.infer<typeof groupDetailView>;

// ---- deployments ---------------------------------------------------------

export const createDeploymentRequest = z.object({
  update: z.string().min(1),
  group: z.string().min(1),
});
export type CreateDeploymentRequest = z.infer<typeof createDeploymentRequest>;

export const deploymentView = z.object({
  id: z.string(),
  updateId: z.string(),
  groups: z.array(z.string()),
  state: z.string(),
  createdAt: z.string(),
  /** Computers per status state; every state of the model is present. */
  counts: z.record(z.enum(statusStates), z.number()),
  total: z.number(),
});
export type DeploymentView = z.infer<typeof deploymentView>;

export const deploymentDetailView = deploymentView.extend({
  computers: z.array(statusView),
});
export type DeploymentDetailView = z.infer<typeof deploymentDetailView>;

export const apiPaths = {
  health: '/healthz',
  updates: '/api/v1/updates',
  update: (id: string) => `/api/v1/updates/${encodeURIComponent(id)}`,
  content: (sha256: string) => `/api/v1/content/${sha256}`,
  enrollments: '/api/v1/enrollments',
  computers: '/api/v1/computers',
  computer: (id: string) => `/api/v1/computers/${encodeURIComponent(id)}`,
  groups: '/api/v1/groups',
  group: (name: string) => `/api/v1/groups/${encodeURIComponent(name)}`,
  groupMembers: (name: string) => `/api/v1/groups/${encodeURIComponent(name)}/members`,
  deployments: '/api/v1/deployments',
  deployment: (id: string) => `/api/v1/deployments/${encodeURIComponent(id)}`,
} as const;
