import { z } from 'zod';
import { checklistItems } from '../domain/review/checklist.js';
import {
  resolutions,
  type DeploymentReview,
  type Resolution,
  type Sla,
} from '../domain/review/review.js';
import { deploymentStates } from '../domain/deployment/state.js';
import type { SameType } from './parse.js';

/** The post-implementation review on the wire: its SLA, its cost figures, its checklist. */

/** 95% installed within 48 hours: a share of the target and a number of hours. */
export const slaSchema = z.strictObject({
  percent: z.number().gt(0, { message: 'must be more than 0%' }).max(100),
  hours: z
    .number()
    .gt(0, { message: 'must be more than 0 hours' })
    .max(10 * 366 * 24, { message: 'at most ten years' }),
});
true satisfies SameType<z.infer<typeof slaSchema>, Sla>;

/** `PUT /deployments/:id/sla`: the target to review against; null clears it. */
export const setSlaRequest = z.object({ sla: slaSchema.nullable() });
export type SetSlaRequest = z.infer<typeof setSlaRequest>;

export const slaView = z.object({
  deploymentId: z.string(),
  sla: slaSchema.nullable(),
  setBy: z.string().nullable(),
  setAt: z.string().nullable(),
});
export type SlaView = z.infer<typeof slaView>;

const figure = (max: number) => z.coerce.number<string | number>().min(0).max(max);

/** The admin's figures for the estimate of downtime and recovery (query of the review). */
export const reviewQuery = z.object({
  /** Cost of one hour of a computer's downtime; without it the cost is not computed. */
  downtimeCostPerHour: figure(1_000_000_000).optional(),
  /** Cost of one hour of recovery work; without it the cost is not computed. */
  recoveryCostPerHour: figure(1_000_000_000).optional(),
  /** Estimated minutes a computer is down for one restart (default 10). */
  minutesPerRestart: figure(10_080).optional(),
  /** Estimated minutes of work to recover one computer that failed (default 30). */
  recoveryMinutesPerFailure: figure(10_080).optional(),
});
export type ReviewQuery = z.infer<typeof reviewQuery>;

export const checklistParams = z.object({
  id: z.string().min(1),
  item: z.enum(checklistItems),
});

export const checkRequest = z.object({ note: z.string().trim().min(1).max(2000).optional() });
export type CheckRequest = z.infer<typeof checkRequest>;

const time = z.string().nullable();
const milestone = z.object({
  percent: z.number(),
  reachedAt: time,
  afterSeconds: z.number().nullable(),
});
const resolutionCounts = z.object(
  Object.fromEntries(resolutions.map((r) => [r, z.number()])) as Record<Resolution, z.ZodNumber>,
);

export const reviewView = z.object({
  deploymentId: z.string(),
  updates: z.array(z.string()),
  groups: z.array(z.string()),
  state: z.enum(deploymentStates),
  stateReason: z.string().nullable(),
  createdAt: z.string(),
  availableAt: z.string(),
  generatedAt: z.string(),
  target: z.number(),
  phases: z.array(
    z.object({
      index: z.number(),
      name: z.string(),
      percent: z.number().nullable(),
      size: z.number(),
      plannedStart: time,
      actualStart: time,
      plannedEnd: time,
      actualEnd: time,
      endedBy: z.string().nullable(),
      installed: z.number(),
      failed: z.number(),
      successPercent: z.number().nullable(),
      halts: z.number(),
      rollbacks: z.number(),
      redeploys: z.number(),
    }),
  ),
  actions: z.array(
    z.object({
      at: z.string(),
      type: z.string(),
      phase: z.string().nullable(),
      actor: z.string(),
      message: z.string(),
    }),
  ),
  halts: z.number(),
  rollbacks: z.number(),
  redeploys: z.number(),
  installed: z.array(milestone),
  sla: z
    .object({
      percent: z.number(),
      hours: z.number(),
      dueAt: z.string(),
      reachedAt: time,
      afterSeconds: z.number().nullable(),
      verdict: z.enum(['met', 'missed', 'pending']),
    })
    .nullable(),
  emergency: z
    .object({ reason: z.string(), started: z.array(milestone), installed: z.array(milestone) })
    .nullable(),
  failures: z.object({
    total: z.number(),
    byReason: z.array(
      z.object({ reason: z.string(), count: z.number(), resolutions: resolutionCounts }),
    ),
    resolutions: resolutionCounts,
  }),
  restarts: z.object({
    computers: z.number(),
    minutesPerRestart: z.number(),
    downtimeMinutes: z.number(),
    downtimeCostPerHour: z.number().nullable(),
    downtimeCost: z.number().nullable(),
  }),
  recovery: z.object({
    computers: z.number(),
    minutesPerFailure: z.number(),
    minutes: z.number(),
    costPerHour: z.number().nullable(),
    cost: z.number().nullable(),
  }),
  totalCost: z.number().nullable(),
  checklist: z.array(
    z.object({
      item: z.enum(checklistItems),
      title: z.string(),
      done: z.boolean(),
      doneAt: time,
      doneBy: z.string().nullable(),
      note: z.string().nullable(),
    }),
  ),
});
export type ReviewView = z.infer<typeof reviewView>;
true satisfies SameType<ReviewView, DeploymentReview>;
