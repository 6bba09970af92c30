import { z } from 'zod';
import { deploymentStates } from '../domain/deployment/state.js';
import { failureReasons, statusStates } from '../domain/status.js';
import { classifications, severities } from './update-kinds.js';
import {
  computerSorts,
  updateSorts,
  deploymentSorts,
  enrollmentSorts,
  groupKinds,
  groupSorts,
  reimageSorts,
  eventSorts,
  deploymentComputerSorts,
} from './list-sorts.js';
import { pageQuery } from './paging.js';

export { groupKinds } from './list-sorts.js';
export type {
  GroupKind,
  ComputerSort,
  UpdateSort,
  DeploymentSort,
  EnrollmentSort,
  GroupSort,
  ReimageSort,
  EventSort,
  DeploymentComputerSort,
} from './list-sorts.js';

/** Each list's query: the shared paging fields, its sortable fields and its filters. */

const text = z.string().min(1).max(200);

export const computerHealthStates = ['online', 'offline', 'never-seen'] as const;
export const computerListQuery = pageQuery(computerSorts, { sort: 'hostname' }).extend({
  /** A substring of the hostname or id, any case. */
  q: text.optional(),
  /** Member of this group (by name). */
  group: text.optional(),
  health: z.enum(computerHealthStates).optional(),
  site: text.optional(),
  os: text.optional(),
});
export type ComputerListQuery = z.output<typeof computerListQuery>;

export const updateListQuery = pageQuery(updateSorts, { sort: 'createdAt', order: 'desc' }).extend({
  severity: z.enum(severities).optional(),
  classification: z.enum(classifications).optional(),
  /** A substring of the id or title, any case. */
  q: text.optional(),
});
export type UpdateListQuery = z.output<typeof updateListQuery>;

export const deploymentListQuery = pageQuery(deploymentSorts, {
  sort: 'createdAt',
  order: 'desc',
}).extend({
  state: z.enum(deploymentStates).optional(),
  /** Carrying this update (by id). */
  update: text.optional(),
  /** Targeting this group (by name). */
  group: text.optional(),
  /** A substring of the id or of the id of an update it carries, any case. */
  q: text.optional(),
});
export type DeploymentListQuery = z.output<typeof deploymentListQuery>;

export const enrollmentListQuery = pageQuery(enrollmentSorts, {
  sort: 'createdAt',
  order: 'desc',
});
export type EnrollmentListQuery = z.output<typeof enrollmentListQuery>;

export const groupListQuery = pageQuery(groupSorts, { sort: 'name' }).extend({
  /** A substring of the name, any case. */
  q: text.optional(),
  /** `static`: members added by hand; `query`: members by inventory. */
  kind: z.enum(groupKinds).optional(),
});
export type GroupListQuery = z.output<typeof groupListQuery>;

export const reimageListQuery = pageQuery(reimageSorts, {
  sort: 'requestedAt',
  order: 'desc',
}).extend({ state: z.enum(['pending', 'approved', 'refused']).optional() });
export type ReimageListQuery = z.output<typeof reimageListQuery>;

export const eventListQuery = pageQuery(eventSorts, { sort: 'at' }).extend({
  type: text.optional(),
  /** Events at or after this time (ISO 8601). */
  since: z.iso.datetime({ offset: true }).optional(),
});
export type EventListQuery = z.output<typeof eventListQuery>;

export const deploymentComputerListQuery = pageQuery(deploymentComputerSorts, {
  sort: 'hostname',
}).extend({
  state: z.enum(statusStates).optional(),
  /** The phase's name. */
  phase: text.optional(),
  reason: z.enum(failureReasons).optional(),
});
export type DeploymentComputerListQuery = z.output<typeof deploymentComputerListQuery>;
