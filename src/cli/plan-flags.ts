import { validatePlan, type DeploymentPlanInput, type PlanResult } from '../contracts/plan.js';
import type { FieldIssue } from '../domain/errors.js';
import { parseDuration } from '../domain/rollout/duration.js';

/**
 * A plan from CLI flags for the common case, or from a JSON / YAML plan file:
 *
 *   --phases "pilot:5%,early:25%,broad:100%" --soak 24h --min-success 95% --max-failure 5%
 *   --max-failure 20% --confidence 0.95 --min-sample 30
 *   --phases "servers:group=srv+db,rest:100%"
 */

export type PlanFlags = {
  phases?: string;
  soak?: string;
  minSuccess?: string;
  maxFailure?: string;
  manual?: boolean;
  confidence?: string;
  minSample?: string | number;
  deadline?: string;
  available?: string;
  emergency?: boolean;
  reason?: string;
  policy?: string;
  recurrence?: string;
  maxAttempts?: string | number;
  noAutoRestart?: boolean;
};

type Phases = DeploymentPlanInput['phases'];

/** `pilot:5%`, `servers:group=srv`, `servers:group=srv+db:10%`. */
export function parsePhases(text: string, issues: FieldIssue[]): Phases {
  const phases: Phases = [];
  text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .forEach((spec, i) => {
      const [name = '', ...parts] = spec.split(':').map((s) => s.trim());
      const phase: Phases[number] = { name };
      for (const part of parts) {
        if (part.startsWith('group=')) {
          phase.groups = part
            .slice('group='.length)
            .split('+')
            .filter((g) => g !== '');
        } else {
          const p = parsePercent(part);
          if (p === null) {
            issues.push({
              field: `phases.${i}`,
              message: `"${spec}": "${part}" is neither a percent (e.g. 25%) nor group=NAME`,
            });
          } else phase.percent = p;
        }
      }
      phases.push(phase);
    });
  return phases;
}

export function parsePercent(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  return m ? Number(m[1]) : null;
}

/** `0.95` or `95%` as the share 0.95 (the plan holds shares; the range is checked there). */
export function parseConfidence(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === '%' ? n / 100 : n;
}

/** ISO text, `now`, or `+2h` relative to `now` (when the caller passes its clock's now). */
function parseTime(text: string, now: number | undefined): string | null {
  const t = text.trim();
  if (now !== undefined && t === 'now') return new Date(now).toISOString();
  if (now !== undefined && t.startsWith('+')) {
    const s = parseDuration(t.slice(1));
    return s === null ? null : new Date(now + s * 1000).toISOString();
  }
  return Number.isNaN(Date.parse(t)) ? null : t;
}

export function planFromFlags(flags: PlanFlags, now?: number): PlanResult {
  const issues: FieldIssue[] = [];
  const plan: Record<string, unknown> = {
    phases:
      flags.phases === undefined
        ? [{ name: 'all', percent: 100 }]
        : parsePhases(flags.phases, issues),
  };
  const duration = (flag: string, value: string | undefined, key: string): void => {
    if (value === undefined) return;
    const s = parseDuration(value);
    if (s === null)
      issues.push({
        field: key,
        message: `--${flag} "${value}" is not a duration like 30m, 24h, 1d or 2w`,
      });
    else plan[key] = s;
  };
  duration('soak', flags.soak, 'soakSeconds');
  duration('recurrence', flags.recurrence, 'recurrenceSeconds');

  const gate: Record<string, unknown> = {};
  for (const [flag, value, key] of [
    ['min-success', flags.minSuccess, 'minSuccessPercent'],
    ['max-failure', flags.maxFailure, 'maxFailurePercent'],
  ] as const) {
    if (value === undefined) continue;
    const p = parsePercent(value);
    if (p === null)
      issues.push({
        field: `gate.${key}`,
        message: `--${flag} "${value}" is not a percent like 95%`,
      });
    else gate[key] = p;
  }
  if (flags.manual) gate.manual = true;
  if (flags.confidence !== undefined) {
    const c = parseConfidence(flags.confidence);
    if (c === null)
      issues.push({
        field: 'gate.confidence',
        message: `--confidence "${flags.confidence}" is not a confidence like 0.95 or 95%`,
      });
    else gate.confidence = c;
  }
  if (flags.minSample !== undefined) {
    const n = Number(flags.minSample);
    if (!Number.isInteger(n) || n < 1)
      issues.push({
        field: 'gate.minSample',
        message: `--min-sample "${flags.minSample}" must be a whole number ≥ 1`,
      });
    else gate.minSample = n;
  }
  if (Object.keys(gate).length > 0) plan.gate = gate;

  for (const [flag, value, key] of [
    ['available', flags.available, 'availableAt'],
    ['deadline', flags.deadline, 'deadline'],
  ] as const) {
    if (value === undefined) continue;
    const t = parseTime(value, now);
    if (t === null)
      issues.push({
        field: key,
        message: `--${flag} "${value}" is not a date-time like 2025-06-07T01:00:00+09:00`,
      });
    else plan[key] = t;
  }
  if (flags.emergency) plan.emergency = { reason: flags.reason ?? '' };
  else if (flags.reason !== undefined) {
    issues.push({ field: 'emergency', message: '--reason is for --emergency deployments' });
  }
  if (flags.policy !== undefined) plan.policy = flags.policy;
  if (flags.noAutoRestart) plan.noAutoRestartWhileLoggedOn = true;
  if (flags.maxAttempts !== undefined) {
    const n = Number(flags.maxAttempts);
    if (!Number.isInteger(n) || n < 1)
      issues.push({
        field: 'maxAttempts',
        message: `--max-attempts "${flags.maxAttempts}" must be a whole number ≥ 1`,
      });
    else plan.maxAttempts = n;
  }
  if (issues.length > 0) return { ok: false, issues };
  return validatePlan(plan);
}

/**
 * A plan file's text as data; `format` from the file name, or `auto` (JSON if it looks
 * like JSON). The YAML parser is loaded only for a YAML plan.
 */
export async function parsePlanData(
  text: string,
  format: 'json' | 'yaml' | 'auto' = 'auto',
): Promise<{ ok: true; data: unknown } | { ok: false; issues: FieldIssue[] }> {
  const asJson = format === 'json' || (format === 'auto' && /^\s*[{[]/.test(text));
  try {
    const data: unknown = asJson ? JSON.parse(text) : (await import('yaml')).parse(text);
    return { ok: true, data };
  } catch (e) {
    const kind = asJson ? 'JSON' : 'YAML';
    return {
      ok: false,
      issues: [{ field: '(file)', message: `not valid ${kind}: ${(e as Error).message}` }],
    };
  }
}

/** A plan file's text, parsed and checked as a plan. */
export async function parsePlanText(
  text: string,
  format: 'json' | 'yaml' | 'auto' = 'auto',
): Promise<PlanResult> {
  const parsed = await parsePlanData(text, format);
  return parsed.ok ? validatePlan(parsed.data) : parsed;
}
