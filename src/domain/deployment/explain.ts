import type { Health } from '../computer-health.js';
import { formatDuration } from '../rollout/duration.js';
import type { DeploymentPlan } from '../rollout/plan.js';
import { nextRetry } from '../rollout/retry.js';
import type { Cancellation, FailureReason, StatusState } from '../status.js';
import { assigningStates, type DeploymentState } from './state.js';

/**
 * Why a status that is not final waits, in words: computed from the status, its
 * deployment and its computer at `now`, never stored. A final status has no reason
 * to wait (null).
 */

export type ExplainedStatus = {
  state: StatusState;
  reason: FailureReason | null;
  message: string | null;
  attempts: number;
  updatedAt: number | null;
  cancelled: Cancellation | null;
};

export type StatusContext = {
  /** The deployment that drives the status (null: none is known). */
  deployment: { state: DeploymentState; plan: DeploymentPlan } | null;
  /** The computer's phase, if known: its name and whether it is open. */
  phase: { name: string; open: boolean } | null;
  health: Health;
  /** The computer's groups (per-group recurrence). */
  groups: readonly string[];
};

const iso = (ms: number): string => new Date(ms).toISOString();

function since(s: ExplainedStatus, now: number): string {
  return s.updatedAt === null
    ? ''
    : ` since ${iso(s.updatedAt)} (${formatDuration(Math.max(0, Math.round((now - s.updatedAt) / 1000)))})`;
}

export function explainStatus(s: ExplainedStatus, ctx: StatusContext, now: number): string | null {
  if (s.state === 'cancelled') {
    if (s.cancelled) {
      return `cancelled by ${s.cancelled.by} (${s.cancelled.actor}) at ${iso(s.cancelled.at)}`;
    }
    return ctx.deployment ? `the deployment is ${ctx.deployment.state}` : 'cancelled';
  }
  const plan = ctx.deployment?.plan ?? null;
  if (s.state === 'failed') {
    if (!plan) return null;
    const retry = nextRetry(plan, { ...s, updatedAt: s.updatedAt ?? now, groups: ctx.groups });
    return retry.retry ? `retry due at ${iso(retry.at)} (${retry.reason})` : null;
  }
  if (isFinal(s.state)) return null;
  if (ctx.health.state === 'offline') return `offline since ${iso(ctx.health.since)}`;
  if (ctx.health.state === 'never-seen') return 'the computer has not checked in yet';
  switch (s.state) {
    case 'pending':
      if (ctx.deployment && !assigningStates.includes(ctx.deployment.state)) {
        return `the deployment is ${ctx.deployment.state}`;
      }
      if (ctx.phase && !ctx.phase.open) return `waiting for phase ${ctx.phase.name} to open`;
      return 'assigned; waiting for the agent to report (outside its maintenance window, or its next check-in)';
    case 'awaiting-user':
      return `${s.reason === 'user-postponed' ? 'postponed by the user' : 'awaiting the user'}${since(s, now)}${s.message ? `: ${s.message}` : ''}`;
    case 'downloaded':
      return `downloaded${since(s, now)}${s.message ? `: ${s.message}` : '; waiting for its install time'}`;
    case 'pending-reboot':
      return `installed; waiting for a restart${since(s, now)}`;
    case 'downloading':
    case 'installing':
    case 'uninstalling':
      return `${s.state}${since(s, now)}`;
    case 'installed':
    case 'not-applicable':
    case 'uninstalled':
    case 'uninstall-failed':
      return null;
  }
}

function isFinal(state: StatusState): boolean {
  return (
    state === 'installed' ||
    state === 'not-applicable' ||
    state === 'uninstalled' ||
    state === 'uninstall-failed'
  );
}
