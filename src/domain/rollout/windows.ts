import { CronExpressionParser } from 'cron-parser';
import type { DeploymentPlan, MaintenanceWindow } from './plan.js';
import { formatDuration } from './duration.js';
import { availableAtMs, deadlineMs } from './schedule.js';

/**
 * Maintenance windows: an install starts inside a window only if its timeout fits
 * in what is left of it. A computer with no windows may start at any time; with
 * several (from several groups) any one of them will do.
 */

export type WindowState = {
  canStartNow: boolean;
  reason: string;
  /** `now` when it can start now; else the earliest time it could; null if never. */
  nextStartAt: number | null;
};

function describe(w: MaintenanceWindow): string {
  return `"${w.cron}" ${w.timezone} for ${formatDuration(w.durationMinutes * 60)}`;
}

/** The latest window start at or before `now`. */
function lastStart(w: MaintenanceWindow, now: number): number {
  const it = CronExpressionParser.parse(w.cron, { currentDate: now + 1, tz: w.timezone });
  return it.prev().getTime();
}

/** The first window start at or after `now`. */
function nextStart(w: MaintenanceWindow, now: number): number {
  const it = CronExpressionParser.parse(w.cron, { currentDate: now - 1, tz: w.timezone });
  return it.next().getTime();
}

export function windowState(
  windows: readonly MaintenanceWindow[],
  now: number,
  installTimeoutSeconds: number,
): WindowState {
  if (windows.length === 0) {
    return { canStartNow: true, reason: 'no maintenance window: any time', nextStartAt: now };
  }
  const timeoutMs = installTimeoutSeconds * 1000;
  let next: { at: number; w: MaintenanceWindow } | null = null;
  let tooShortHere: string | null = null;
  for (const w of windows) {
    const durationMs = w.durationMinutes * 60_000;
    if (durationMs < timeoutMs) continue; // never fits
    const start = lastStart(w, now);
    const end = start + durationMs;
    if (now < end) {
      if (end - now >= timeoutMs) {
        return {
          canStartNow: true,
          reason: `inside window ${describe(w)}: ${formatDuration((end - now) / 1000)} left ≥ ${formatDuration(installTimeoutSeconds)} timeout`,
          nextStartAt: now,
        };
      }
      tooShortHere = `only ${formatDuration((end - now) / 1000)} left of window ${describe(w)}, less than the ${formatDuration(installTimeoutSeconds)} install timeout`;
    }
    const at = nextStart(w, now);
    if (next === null || at < next.at) next = { at, w };
  }
  if (next === null) {
    return {
      canStartNow: false,
      reason: `every maintenance window is shorter than the ${formatDuration(installTimeoutSeconds)} install timeout`,
      nextStartAt: null,
    };
  }
  const when = new Date(next.at).toISOString();
  return {
    canStartNow: false,
    reason: `${tooShortHere ?? 'outside every maintenance window'}; next window ${describe(next.w)} at ${when}`,
    nextStartAt: next.at,
  };
}

/** One concrete opening of a maintenance window: when it starts and ends (epoch ms). */
export type WindowOccurrence = { start: number; end: number; window: MaintenanceWindow };

/**
 * Every opening of the windows that overlaps [from, to), in start order, at most
 * `maxPerWindow` per window (a window every minute would otherwise be thousands a week):
 * what a calendar shows. The same cron expansion as windowState, in each window's time zone.
 */
export function windowOccurrences(
  windows: readonly MaintenanceWindow[],
  from: number,
  to: number,
  maxPerWindow = 200,
): WindowOccurrence[] {
  const out: WindowOccurrence[] = [];
  for (const w of windows) {
    const durationMs = w.durationMinutes * 60_000;
    // The opening before `from` may still be open at `from`.
    let start = lastStart(w, from);
    if (start + durationMs <= from) start = nextStart(w, from);
    for (let n = 0; start < to && n < maxPerWindow; n += 1) {
      out.push({ start, end: start + durationMs, window: w });
      start = nextStart(w, start + 1);
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

export type WindowOverride = { overridden: boolean; reason: string | null };

/** Do windows stop binding now? Emergencies and a passed deadline override them, as the plan says. */
export function windowsOverridden(
  plan: DeploymentPlan,
  createdAt: number,
  now: number,
): WindowOverride {
  if (plan.emergency && plan.windows.overrideOnEmergency) {
    return { overridden: true, reason: `emergency (${plan.emergency.reason}) overrides windows` };
  }
  const deadline = deadlineMs(plan, availableAtMs(plan, createdAt));
  if (deadline !== null && now >= deadline && plan.windows.overrideOnDeadline) {
    return {
      overridden: true,
      reason: `deadline ${new Date(deadline).toISOString()} passed: windows no longer apply`,
    };
  }
  return { overridden: false, reason: null };
}

/**
 * May the computer start the install now, and if not, when? Windows bind unless
 * overridden; a deadline that comes before the next window brings the start forward
 * to the deadline (when the plan lets deadlines override windows).
 */
export function installStart(
  plan: DeploymentPlan,
  createdAt: number,
  windows: readonly MaintenanceWindow[],
  now: number,
  installTimeoutSeconds: number,
): WindowState {
  const override = windowsOverridden(plan, createdAt, now);
  if (override.overridden) {
    return { canStartNow: true, reason: override.reason ?? 'windows overridden', nextStartAt: now };
  }
  const state = windowState(windows, now, installTimeoutSeconds);
  if (state.canStartNow || !plan.windows.overrideOnDeadline) return state;
  const deadline = deadlineMs(plan, availableAtMs(plan, createdAt));
  if (deadline !== null && (state.nextStartAt === null || deadline < state.nextStartAt)) {
    return {
      canStartNow: false,
      reason: `${state.reason}; the deadline ${new Date(deadline).toISOString()} comes first`,
      nextStartAt: deadline,
    };
  }
  return state;
}
