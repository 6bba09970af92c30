/**
 * A computer reached by several deployments of the same update is driven by one:
 * install beats uninstall, then the earliest deadline (none = latest), then the
 * earliest created (WSUS's rule). An update superseded by one approved for the
 * computer is not assigned at all.
 */

export type ReachingDeployment = {
  deploymentId: string;
  updateId: string;
  action: 'install' | 'uninstall';
  deadline: number | null;
  createdAt: number;
};

export type DrivingDeployment = {
  updateId: string;
  action: 'install' | 'uninstall';
  deploymentId: string;
  /** The other deployments of the same update that reach the computer. */
  overridden: string[];
  reason: string;
};

function compare(a: ReachingDeployment, b: ReachingDeployment): number {
  if (a.action !== b.action) return a.action === 'install' ? -1 : 1;
  const da = a.deadline ?? Number.POSITIVE_INFINITY;
  const db = b.deadline ?? Number.POSITIVE_INFINITY;
  if (da !== db) return da < db ? -1 : 1;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.deploymentId.localeCompare(b.deploymentId);
}

function why(winner: ReachingDeployment, runnerUp: ReachingDeployment | undefined): string {
  if (!runnerUp) return `only deployment ${winner.deploymentId} reaches it`;
  if (winner.action !== runnerUp.action) {
    return `${winner.deploymentId}: install beats uninstall (${runnerUp.deploymentId})`;
  }
  if (winner.deadline !== runnerUp.deadline) {
    const d = winner.deadline === null ? 'none' : new Date(winner.deadline).toISOString();
    return `${winner.deploymentId}: earliest deadline (${d})`;
  }
  return `${winner.deploymentId}: same deadline, created first`;
}

/** One driving deployment per update, sorted by update id. */
export function resolveConflicts(reaching: readonly ReachingDeployment[]): DrivingDeployment[] {
  const byUpdate = new Map<string, ReachingDeployment[]>();
  for (const d of reaching) {
    const list = byUpdate.get(d.updateId) ?? [];
    list.push(d);
    byUpdate.set(d.updateId, list);
  }
  const out: DrivingDeployment[] = [];
  for (const [updateId, list] of byUpdate) {
    const sorted = [...list].sort(compare);
    const [winner, runnerUp] = sorted;
    if (!winner) continue;
    out.push({
      updateId,
      action: winner.action,
      deploymentId: winner.deploymentId,
      overridden: sorted.slice(1).map((d) => d.deploymentId),
      reason: why(winner, runnerUp),
    });
  }
  return out.sort((a, b) => a.updateId.localeCompare(b.updateId));
}

export type Supersedence = { updateId: string; supersedes: readonly string[] };

export type SupersedenceDecision = {
  assigned: DrivingDeployment[];
  superseded: { updateId: string; supersededBy: string; deploymentId: string }[];
};

/**
 * Drops installs of updates superseded by another update being installed on the
 * same computer. Uninstalls are never dropped; only an install supersedes.
 */
export function applySupersedence(
  driving: readonly DrivingDeployment[],
  updates: readonly Supersedence[],
): SupersedenceDecision {
  const supersedesOf = new Map(updates.map((u) => [u.updateId, u.supersedes]));
  const supersededBy = new Map<string, string>();
  for (const d of driving) {
    if (d.action !== 'install') continue;
    for (const old of supersedesOf.get(d.updateId) ?? []) {
      if (old !== d.updateId && !supersededBy.has(old)) supersededBy.set(old, d.updateId);
    }
  }
  const decision: SupersedenceDecision = { assigned: [], superseded: [] };
  for (const d of driving) {
    const by = d.action === 'install' ? supersededBy.get(d.updateId) : undefined;
    if (by === undefined) decision.assigned.push(d);
    else
      decision.superseded.push({
        updateId: d.updateId,
        supersededBy: by,
        deploymentId: d.deploymentId,
      });
  }
  return decision;
}
