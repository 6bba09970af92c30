import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import type { FieldIssue } from '../domain/errors.js';
import {
  clientPolicies,
  phaseGate,
  type ClientPolicy,
  type DeploymentPlan,
  type Gate,
  type MaintenanceWindow,
  type Phase,
  type PhaseStart,
} from '../domain/rollout/plan.js';
import { boundsIssue } from './bounds.js';
import { fieldIssues, type SameType } from './parse.js';

/**
 * The deployment plan on the wire: zod schemas that check input and fill defaults.
 * The parsed shapes are the domain's (src/domain/rollout/plan.ts); each schema is
 * checked against its domain type below, and the type names are re-exported here.
 */
export { clientPolicies, phaseGate };
export type { ClientPolicy, DeploymentPlan, Gate, MaintenanceWindow, Phase, PhaseStart };

const isoTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO date-time with a time zone, e.g. 2025-06-07T01:00:00+09:00',
});

/** Phases in a plan, groups in a phase or in recurrenceByGroup: bounded, as every input is. */
const maxListed = 100;
const groupName = z.string().min(1).max(128);
/**
 * Durations and attempts are bounded too: a soak of 2^52 s put a phase's opening past
 * the last date JavaScript can hold (a 500), and maxAttempts past 2^31 broke the query
 * that counts attempts on PostgreSQL. Ten years is longer than any rollout waits.
 */
const maxSeconds = 10 * 366 * 86_400;
const seconds = () => z.number().int().max(maxSeconds, { message: 'at most ten years' });
const maxAttemptsBound = 1000;

export const phaseName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    message: 'must start with a letter or digit and hold only letters, digits, ".", "_" or "-"',
  });

/** A confidence is a share strictly between 0.5 and 1 (0.95, 0.99), never a percent. */
const confidence = () =>
  z
    .number()
    .gt(0.5, { message: 'must be more than 0.5, e.g. 0.95 (a share, not a percent)' })
    .lt(1, { message: 'must be less than 1, e.g. 0.95 (a share, not a percent)' });
const minSample = () => z.number().int().positive().max(1_000_000);

export const gateSchema = z.strictObject({
  /** Share of the phase installed or not applicable before the next phase may open. */
  minSuccessPercent: z.number().min(0).max(100).default(95),
  /** Share of the phase failed above which the deployment halts by itself. */
  maxFailurePercent: z.number().min(0).max(100).optional(),
  /** The next phase opens only after an approver promotes this one. */
  manual: z.boolean().default(false),
  /** Halt only when the failure share is above maxFailurePercent at this confidence (Wilson). */
  confidence: confidence().optional(),
  /** The next phase opens only once this many computers of the phase have an outcome. */
  minSample: minSample().optional(),
});

/** A phase's own gate: only what it changes from the plan's gate. */
export const gateOverrideSchema = z.strictObject({
  minSuccessPercent: z.number().min(0).max(100).optional(),
  maxFailurePercent: z.number().min(0).max(100).optional(),
  manual: z.boolean().optional(),
  confidence: confidence().optional(),
  minSample: minSample().optional(),
});

export const phaseStart = z.union([
  z.strictObject({ afterSeconds: seconds().nonnegative() }),
  z.strictObject({ at: isoTime }),
]);

export const phaseSchema = z.strictObject({
  name: phaseName,
  /** Cumulative share of the target reached by the end of this phase (0 < p ≤ 100). */
  percent: z.number().optional(),
  /** This phase takes these groups' computers (in addition to `percent`, if given). */
  groups: z.array(groupName).min(1).max(maxListed).optional(),
  /** Default: the previous phase opened + soak (the first phase: the available time). */
  start: phaseStart.optional(),
  /** Overrides the plan's gate for this phase. */
  gate: gateOverrideSchema.optional(),
});

export const planSchema = z.strictObject({
  phases: z
    .array(phaseSchema)
    .min(1, { message: 'a plan needs at least one phase' })
    .max(maxListed, { message: `a plan has at most ${maxListed} phases` }),
  gate: gateSchema.default({ minSuccessPercent: 95, manual: false }),
  soakSeconds: seconds().nonnegative().default(86_400),
  availableAt: isoTime.optional(),
  deadline: isoTime.optional(),
  emergency: z
    .strictObject({
      reason: z.string().trim().min(1, { message: 'an emergency needs a reason' }).max(2000),
      skipSoak: z.boolean().default(true),
    })
    .optional(),
  recurrenceSeconds: seconds()
    .positive()
    .default(7 * 86_400),
  recurrenceByGroup: z
    .record(groupName, seconds().positive())
    .refine((r) => Object.keys(r).length <= maxListed, {
      message: `at most ${maxListed} groups`,
    })
    .default({}),
  maxAttempts: z.number().int().positive().max(maxAttemptsBound).default(5),
  retryBackoffSeconds: seconds().positive().default(600),
  // Managed fleets install without asking by default (download, install at the scheduled time).
  policy: z.enum(clientPolicies).default('scheduled'),
  noAutoRestartWhileLoggedOn: z.boolean().default(false),
  windows: z
    .strictObject({
      overrideOnDeadline: z.boolean().default(true),
      overrideOnEmergency: z.boolean().default(true),
    })
    .default({ overrideOnDeadline: true, overrideOnEmergency: true }),
});
export type DeploymentPlanInput = z.input<typeof planSchema>;

// Compile-time checks: each schema parses to exactly its domain type.
true satisfies SameType<z.infer<typeof gateSchema>, Gate>;
true satisfies SameType<z.infer<typeof gateOverrideSchema>, Partial<Gate>>;
true satisfies SameType<z.infer<typeof phaseStart>, PhaseStart>;
true satisfies SameType<z.infer<typeof phaseSchema>, Phase>;
true satisfies SameType<z.infer<typeof planSchema>, DeploymentPlan>;

export type PlanResult = { ok: true; plan: DeploymentPlan } | { ok: false; issues: FieldIssue[] };

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A maintenance window of a group: starts on a 5-field cron, lasts `durationMinutes`. */
export const maintenanceWindowSchema = z
  .strictObject({
    cron: z.string().trim().min(1),
    durationMinutes: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 60),
    timezone: z.string().min(1).refine(validTimeZone, {
      message: 'must be an IANA time zone, e.g. Asia/Tokyo or UTC',
    }),
  })
  .superRefine((w, ctx) => {
    if (w.cron.split(/\s+/).length !== 5) {
      ctx.addIssue({
        code: 'custom',
        path: ['cron'],
        message: `"${w.cron}" must have 5 fields: minute hour day-of-month month day-of-week`,
      });
      return;
    }
    try {
      CronExpressionParser.parse(w.cron, { tz: validTimeZone(w.timezone) ? w.timezone : 'UTC' });
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        path: ['cron'],
        message: `"${w.cron}" is not a valid cron expression: ${(e as Error).message}`,
      });
    }
  });
true satisfies SameType<z.infer<typeof maintenanceWindowSchema>, MaintenanceWindow>;

const pct = (p: number): string => `${p}%`;

/** The rules a schema cannot say: order, reach, unique names, times that make sense. */
export function planIssues(plan: DeploymentPlan): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Map<string, number>();
  let lastPercent: { value: number; name: string } | null = null;
  let lastAt: { ms: number; name: string } | null = null;
  const available = plan.availableAt === undefined ? null : Date.parse(plan.availableAt);

  plan.phases.forEach((phase, i) => {
    const at = `phases.${i}`;
    const first = seen.get(phase.name);
    if (first !== undefined) {
      issues.push({
        field: `${at}.name`,
        message: `duplicate phase name "${phase.name}" (also phase ${first + 1})`,
      });
    } else seen.set(phase.name, i);

    if (phase.percent === undefined && phase.groups === undefined) {
      issues.push({
        field: at,
        message: `phase ${phase.name} reaches no computers: give it a percent, groups or both`,
      });
    }
    if (phase.percent !== undefined) {
      const p = phase.percent;
      if (!(p > 0)) {
        issues.push({ field: `${at}.percent`, message: `${pct(p)} must be more than 0%` });
      } else if (p > 100) {
        issues.push({
          field: `${at}.percent`,
          message: `${pct(p)} is more than 100% of the target`,
        });
      } else if (lastPercent !== null && p <= lastPercent.value) {
        issues.push({
          field: `${at}.percent`,
          message: `phases out of order: ${phase.name} (${pct(p)}) must reach more of the target than ${lastPercent.name} before it (${pct(lastPercent.value)}); percents are cumulative`,
        });
      }
      if (p > 0 && p <= 100) lastPercent = { value: p, name: phase.name };
    }

    if (phase.start && 'at' in phase.start) {
      const ms = Date.parse(phase.start.at);
      if (lastAt !== null && ms < lastAt.ms) {
        issues.push({
          field: `${at}.start.at`,
          message: `phase ${phase.name} starts at ${phase.start.at}, before phase ${lastAt.name} before it`,
        });
      } else if (available !== null && ms < available) {
        issues.push({
          field: `${at}.start.at`,
          message: `phase ${phase.name} starts at ${phase.start.at}, before the deployment is available (${plan.availableAt})`,
        });
      }
      lastAt = { ms, name: phase.name };
    }
  });

  const anyGroups = plan.phases.some((p) => p.groups !== undefined);
  const last = plan.phases[plan.phases.length - 1];
  if (!anyGroups && last && last.percent !== undefined && last.percent < 100 && last.percent > 0) {
    issues.push({
      field: `phases.${plan.phases.length - 1}.percent`,
      message: `the last phase (${last.name}) reaches ${pct(last.percent)} of the target; it must reach 100% or the rest is never deployed`,
    });
  }

  if (plan.deadline !== undefined && available !== null) {
    if (Date.parse(plan.deadline) < available) {
      issues.push({
        field: 'deadline',
        message: `the deadline (${plan.deadline}) is before the available time (${plan.availableAt})`,
      });
    }
  }
  const gates = [{ field: 'gate', gate: plan.gate }].concat(
    plan.phases.map((p, i) => ({ field: `phases.${i}.gate`, gate: phaseGate(plan, i) })),
  );
  for (const { field, gate } of gates) {
    if (gate.maxFailurePercent !== undefined && gate.maxFailurePercent >= 100) {
      issues.push({
        field: `${field}.maxFailurePercent`,
        message: `${pct(gate.maxFailurePercent)} would never halt; use less than 100% or leave it out`,
      });
    }
    if (gate.confidence !== undefined && gate.maxFailurePercent === undefined) {
      issues.push({
        field: `${field}.confidence`,
        message: `a confidence applies to the failure limit: give maxFailurePercent too`,
      });
    }
  }
  return issues;
}

/** Parses and checks a plan; expected failures come back as field-named issues. */
export function validatePlan(input: unknown): PlanResult {
  const bounds = boundsIssue(input);
  if (bounds) {
    return {
      ok: false,
      issues: [{ field: bounds.path.join('.') || '(plan)', message: bounds.message }],
    };
  }
  const parsed = planSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: fieldIssues(parsed.error) };
  const issues = planIssues(parsed.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, plan: parsed.data };
}

/**
 * Windows in which the update could never start: an install starts only if its
 * timeout fits in what is left of the window.
 */
export function windowIssues(
  windows: readonly MaintenanceWindow[],
  installTimeoutSeconds: number,
  field = 'windows',
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  windows.forEach((w, i) => {
    if (w.durationMinutes * 60 < installTimeoutSeconds) {
      issues.push({
        field: `${field}.${i}.durationMinutes`,
        message: `the window "${w.cron}" (${w.timezone}) lasts ${w.durationMinutes} min, shorter than the install timeout of ${Math.ceil(installTimeoutSeconds / 60)} min: no install could ever start in it`,
      });
    }
  });
  return issues;
}
