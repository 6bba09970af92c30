import { z } from 'zod';
import { failureAttributes } from '../domain/analysis/failures.js';
import { statusStates } from '../domain/status.js';

/** The answers of the deployment reports: failures by reason and cluster, progress over time. */

export const failureReportQuery = z.object({
  /** Only the failures of this reason (e.g. disk-space); default all. */
  reason: z.string().min(1).max(64).optional(),
});

export const failureClusterView = z.object({
  attribute: z.enum(failureAttributes),
  value: z.string(),
  failed: z.number(),
  failedPercent: z.number(),
  target: z.number(),
  targetPercent: z.number(),
  /** One-sided Fisher exact (hypergeometric) p-value; smaller is less likely by chance. */
  pValue: z.number(),
  summary: z.string(),
});
export type FailureClusterView = z.infer<typeof failureClusterView>;

export const failureReportView = z.object({
  deploymentId: z.string(),
  reason: z.string().nullable(),
  /** Computers placed in the deployment's phases. */
  target: z.number(),
  /** Target computers with a failed status (of the reason, if one is asked). */
  failedComputers: z.number(),
  reasons: z.array(z.object({ reason: z.string(), failures: z.number(), percent: z.number() })),
  clusters: z.array(failureClusterView),
  /** The failed computers on each child server, as it sent its statuses up. */
  children: z.array(
    z.object({
      name: z.string(),
      failedComputers: z.number(),
      reasons: z.array(z.object({ reason: z.string(), failures: z.number() })),
    }),
  ),
});
export type FailureReportView = z.infer<typeof failureReportView>;

const stateCounts = z.object(
  Object.fromEntries(statusStates.map((s) => [s, z.number()])) as Record<
    (typeof statusStates)[number],
    z.ZodNumber
  >,
);

export const progressPointView = z.object({
  at: z.string(),
  /** Counts per state of each phase, in plan order. */
  phases: z.array(z.object({ name: z.string(), counts: stateCounts })),
  /** The sum over the phases. */
  total: stateCounts,
});
export type ProgressPointView = z.infer<typeof progressPointView>;

export const progressReportView = z.object({
  deploymentId: z.string(),
  points: z.array(progressPointView),
});
export type ProgressReportView = z.infer<typeof progressReportView>;
