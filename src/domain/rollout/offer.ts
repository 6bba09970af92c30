import type { DeploymentPlan, MaintenanceWindow } from '../../contracts/plan.js';
import type { ClientPolicy } from '../deployment/policy.js';
import { uninstallableStates } from '../deployment/rollback.js';
import type { FailureReason, StatusState } from '../status.js';
import { applySupersedence, resolveConflicts } from './conflicts.js';
import { retryDue } from './retry.js';
import { installStart } from './windows.js';

export { uninstallableStates } from '../deployment/rollback.js';

/**
 * What one computer is told to do at check-in: one driving deployment per update,
 * minus superseded updates, what is done already, failures not yet due for a
 * retry, and installs that may not start in this computer's windows now.
 */

export type ReachingOffer = {
  deploymentId: string;
  updateId: string;
  action: 'install' | 'uninstall';
  plan: DeploymentPlan;
  /** The client policy in effect for this computer (effectivePolicy). */
  policy: ClientPolicy;
  createdAt: number;
  deadline: number | null;
  /** Failures reported before this are offered again now (redeploy). */
  readvertisedAt: number | null;
};

export type KnownStatus = {
  state: StatusState;
  reason: FailureReason | null;
  updatedAt: number;
  attempts: number;
};

export type OfferInput = {
  reaching: readonly ReachingOffer[];
  /** updateId → the ids it supersedes. */
  supersedes: ReadonlyMap<string, readonly string[]>;
  /** updateId → install timeout in seconds. */
  installTimeouts: ReadonlyMap<string, number>;
  statuses: ReadonlyMap<string, KnownStatus>;
  groups: readonly string[];
  windows: readonly MaintenanceWindow[];
};

export type Offer = ReachingOffer;

export type OfferDecision = {
  offers: Offer[];
  /** The earliest time a window opens for something held back now (for pacing). */
  nextStartAt: number | null;
};

function failureDue(
  offer: ReachingOffer,
  status: KnownStatus,
  groups: readonly string[],
  now: number,
): boolean {
  if (offer.readvertisedAt !== null && status.updatedAt < offer.readvertisedAt) return true;
  return retryDue(offer.plan, { ...status, groups }, now);
}

export function decideOffers(input: OfferInput, now: number): OfferDecision {
  // A deployment of several updates reaches the computer once per update.
  const key = (deploymentId: string, updateId: string) => `${deploymentId}\u0000${updateId}`;
  const byKey = new Map(input.reaching.map((r) => [key(r.deploymentId, r.updateId), r]));
  const driving = resolveConflicts(input.reaching);
  const { offered } = applySupersedence(
    driving,
    [...input.supersedes].map(([updateId, supersedes]) => ({ updateId, supersedes })),
  );
  const offers: Offer[] = [];
  let nextStartAt: number | null = null;
  for (const d of offered) {
    const offer = byKey.get(key(d.deploymentId, d.updateId));
    if (!offer) continue;
    const status = input.statuses.get(d.updateId);
    if (offer.action === 'uninstall') {
      if (status && uninstallableStates.has(status.state)) offers.push(offer);
      continue;
    }
    if (status) {
      if (status.state === 'installed' || status.state === 'not-applicable') continue;
      if (status.state === 'failed' && !failureDue(offer, status, input.groups, now)) continue;
      // Started already (or waiting for a restart): let the agent finish, windows or not.
      if (
        status.state !== 'pending' &&
        status.state !== 'failed' &&
        status.state !== 'uninstalled'
      ) {
        offers.push(offer);
        continue;
      }
    }
    const timeout = input.installTimeouts.get(d.updateId) ?? 0;
    const start = installStart(offer.plan, offer.createdAt, input.windows, now, timeout);
    if (start.canStartNow) offers.push(offer);
    else if (
      start.nextStartAt !== null &&
      (nextStartAt === null || start.nextStartAt < nextStartAt)
    ) {
      nextStartAt = start.nextStartAt;
    }
  }
  return { offers, nextStartAt };
}
