import { z } from 'zod';
import { baselineGapKinds, baselineStates } from '../domain/baseline.js';
import { failureReasons, statusStates } from '../domain/status.js';
import { groupName } from './api.js';
import { baselineSorts } from './list-sorts.js';
import { pageQuery } from './paging.js';

/** Baselines on the admin API: the named sets of updates, and compliance to one. */

/** Names like a group's: a letter or digit, then letters, digits, ".", "_" or "-". */
export const baselineName = groupName;
export const baselineParams = z.object({ name: z.string().min(1).max(128) });

const updateIds = z.array(z.string().min(1).max(128)).max(1000);
const groupNames = z.array(z.string().min(1).max(128)).min(1).max(100);
const description = z.string().max(2000);

export const createBaselineRequest = z.object({
  name: baselineName,
  description: description.optional(),
  /** Every computer of these groups must have the updates. */
  groups: groupNames,
  updates: updateIds.default([]),
});
export type CreateBaselineRequest = z.infer<typeof createBaselineRequest>;

/** Updates added by id, and/or every update a deployment carries. */
export const addBaselineUpdatesRequest = z
  .object({
    updates: updateIds.default([]),
    fromDeployment: z.string().min(1).max(128).optional(),
  })
  .refine((r) => r.updates.length > 0 || r.fromDeployment !== undefined, {
    message: 'give updates, fromDeployment, or both',
    path: ['updates'],
  });
export type AddBaselineUpdatesRequest = z.infer<typeof addBaselineUpdatesRequest>;

/**
 * A change of a baseline: only the fields given. `groups` and `updates` replace what it
 * holds (an update it keeps keeps when and by whom it was added); `name` renames it;
 * `description: null` clears it.
 */
export const setBaselineRequest = z.object({
  name: baselineName.optional(),
  description: description.nullable().optional(),
  groups: groupNames.optional(),
  updates: updateIds.optional(),
});
export type SetBaselineRequest = z.infer<typeof setBaselineRequest>;

export const removeBaselineUpdatesRequest = z.object({ updates: updateIds.min(1) });
export type RemoveBaselineUpdatesRequest = z.infer<typeof removeBaselineUpdatesRequest>;

export const baselineView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  /** The groups whose computers must have the updates, by name. */
  groups: z.array(z.string()),
  /** The updates, by id, sorted. */
  updates: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type BaselineView = z.infer<typeof baselineView>;

export const baselineListQuery = pageQuery(baselineSorts, { sort: 'name' });
export type BaselineListQuery = z.output<typeof baselineListQuery>;

export const baselineComplianceQuery = z.object({
  /** Only the computers in this state (the totals still count every computer). */
  state: z.enum(baselineStates).optional(),
});

const count = z.number().int().nonnegative();

/** One update of the baseline that is not there, or not known to be, and why. */
export const baselineGapView = z.object({
  updateId: z.string(),
  kind: z.enum(baselineGapKinds),
  /** Its last status, if any deployment reported on it. */
  status: z.enum(statusStates).nullable(),
  reason: z.enum(failureReasons).nullable(),
  exitCode: z.number().int().nullable(),
  message: z.string().nullable(),
  since: z.string().nullable(),
  why: z.string(),
});
export type BaselineGapView = z.infer<typeof baselineGapView>;

export const baselineComputerView = z.object({
  computerId: z.string(),
  hostname: z.string(),
  state: z.enum(baselineStates),
  /** When the computer last scanned; null: never. */
  scannedAt: z.string().nullable(),
  installed: count,
  notApplicable: count,
  gaps: z.array(baselineGapView),
});
export type BaselineComputerView = z.infer<typeof baselineComputerView>;

export const baselineComplianceView = z.object({
  baseline: baselineView,
  generatedAt: z.string(),
  /** A scan older than this is not trusted: its computer is unknown. */
  staleAfterSeconds: count,
  totals: z.object({
    computers: count,
    compliant: count,
    'non-compliant': count,
    unknown: count,
  }),
  /** Per update of the baseline: computers compliant, non-compliant, unknown, not applicable. */
  updates: z.array(
    z.object({
      updateId: z.string(),
      compliant: count,
      'non-compliant': count,
      unknown: count,
      'not-applicable': count,
    }),
  ),
  computers: z.array(baselineComputerView),
});
export type BaselineComplianceView = z.infer<typeof baselineComplianceView>;
