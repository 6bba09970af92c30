/**
 * The client policy one computer follows for one deployment: how much the person
 * at the computer is involved before an update is downloaded and installed.
 */

import type { ClientPolicy } from '../rollout/plan.js';

export type { ClientPolicy };

/** How much each policy involves the user: notify asks before the download, auto-download before the install. */
const involvement: Record<ClientPolicy, number> = { notify: 2, 'auto-download': 1, scheduled: 0 };

export type EffectivePolicy = {
  policy: ClientPolicy;
  /** Where it came from, for the assignment's reason. */
  from: 'deployment' | 'group' | 'default';
};

/**
 * The deployment's explicit policy wins; else the policies of the computer's
 * groups, where a conflict goes to the one that involves the user most (a group
 * asking to be notified is never installed on silently because of another group);
 * else `scheduled`, the managed-fleet default.
 */
export function effectivePolicy(
  deploymentPolicy: ClientPolicy | null,
  groupPolicies: readonly (ClientPolicy | null)[],
): EffectivePolicy {
  if (deploymentPolicy !== null) return { policy: deploymentPolicy, from: 'deployment' };
  let best: ClientPolicy | null = null;
  for (const p of groupPolicies) {
    if (p !== null && (best === null || involvement[p] > involvement[best])) best = p;
  }
  return best === null ? { policy: 'scheduled', from: 'default' } : { policy: best, from: 'group' };
}
