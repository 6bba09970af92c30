import type { DeploymentPlan } from './plan.js';
import { formatDuration } from './duration.js';

/**
 * The plan's times as epoch ms. The deployment's available time is the plan's
 * `availableAt`, or when the deployment was created.
 */
export function availableAtMs(plan: DeploymentPlan, createdAt: number): number {
  return plan.availableAt === undefined ? createdAt : Date.parse(plan.availableAt);
}

/** The deadline; an emergency without one has its deadline at the available time ("now"). */
export function deadlineMs(plan: DeploymentPlan, availableAt: number): number | null {
  if (plan.deadline !== undefined) return Date.parse(plan.deadline);
  return plan.emergency ? availableAt : null;
}

/** True when an emergency compresses soak times (and relative starts) to zero. */
export function soakSkipped(plan: DeploymentPlan): boolean {
  return plan.emergency?.skipSoak === true;
}

export type PhaseTiming = {
  /** The earliest time the phase may open by the clock alone. */
  at: number;
  /** Why that time, for messages: "after 24h soak", "at 2025-06-07T01:00:00Z". */
  why: string;
};

/**
 * When phase `index` may open by time alone: the first phase at the available
 * time (or its own start); later ones after the previous phase opened + soak, or
 * their own `afterSeconds` / absolute `at`. An emergency that skips soak makes
 * relative waits zero.
 */
export function phaseTiming(
  plan: DeploymentPlan,
  index: number,
  availableAt: number,
  previousOpenedAt: number | null,
): PhaseTiming | null {
  const phase = plan.phases[index];
  if (!phase) return null;
  const skip = soakSkipped(plan);
  const start = phase.start;
  if (start && 'at' in start) {
    const at = Date.parse(start.at);
    return { at: Math.max(at, availableAt), why: `at its start time ${start.at}` };
  }
  const base = index === 0 ? availableAt : previousOpenedAt;
  if (base === null) return null;
  if (start && 'afterSeconds' in start) {
    const wait = skip ? 0 : start.afterSeconds;
    return {
      at: base + wait * 1000,
      why: `${formatDuration(wait)} after ${index === 0 ? 'availability' : 'the previous phase opened'}`,
    };
  }
  if (index === 0) return { at: availableAt, why: 'at the available time' };
  const soak = skip ? 0 : plan.soakSeconds;
  return {
    at: base + soak * 1000,
    why: skip ? 'with soak skipped (emergency)' : `after ${formatDuration(soak)} soak`,
  };
}
