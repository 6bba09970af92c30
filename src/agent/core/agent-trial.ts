import { formatDuration } from '../../domain/rollout/duration.js';

/**
 * A new agent version on trial (agent.md, Self-update): the old agent records it, points
 * the launcher at the new version and exits; the new one must check in before the
 * deadline. Kept in the state dir (`agent/trial`), so whichever version runs next finds it.
 */
export interface AgentTrial {
  updateId: string;
  deploymentId: string;
  /** The version that ran before (what comes back on a failure). */
  from: string;
  to: string;
  startedAt: string;
  /** The new version's first check-in must come before then. */
  deadline: string;
}

/**
 * How many times the launcher starts a version on trial before it runs the previous one
 * instead: a version that dies at start is given up without waiting for the deadline.
 * The launcher (packaging/deb/ringmaster, `max_starts`) holds the same number.
 */
export const MAX_TRIAL_STARTS = 3;

export type TrialVerdict =
  | { kind: 'none' }
  /** The new version runs and has not checked in yet: it keeps trying until the deadline. */
  | { kind: 'on-trial'; deadline: string }
  /**
   * The trial failed: point the launcher back at `from` and report the failure; restart
   * when this process is not `from` (the launcher then runs it).
   */
  | { kind: 'fall-back'; message: string; restart: boolean };

export function newTrial(
  assignment: { updateId: string; deploymentId: string },
  from: string,
  to: string,
  timeoutSeconds: number,
  now: Date,
): AgentTrial {
  return {
    updateId: assignment.updateId,
    deploymentId: assignment.deploymentId,
    from,
    to,
    startedAt: now.toISOString(),
    deadline: new Date(now.getTime() + timeoutSeconds * 1000).toISOString(),
  };
}

/**
 * What the agent makes of a trial when a cycle begins, before any check-in: `running` is
 * its own version, `starts` the launcher's count of starts of the new version.
 */
export function judgeTrial(
  trial: AgentTrial | null,
  running: string,
  starts: number,
  now: Date,
): TrialVerdict {
  if (!trial) return { kind: 'none' };
  const late = now.getTime() >= Date.parse(trial.deadline);
  const restored = `${trial.from} restored`;
  const within = formatDuration((Date.parse(trial.deadline) - Date.parse(trial.startedAt)) / 1000);
  if (running === trial.to) {
    if (!late) return { kind: 'on-trial', deadline: trial.deadline };
    return {
      kind: 'fall-back',
      message: `the new agent ${trial.to} did not check in within ${within}; ${restored}`,
      restart: true,
    };
  }
  // Another version runs while the trial is open: the launcher gave the new one up (it
  // kept stopping), or could not run it at all.
  const why =
    starts >= MAX_TRIAL_STARTS
      ? `stopped ${starts} times before its first check-in`
      : late
        ? `did not check in within ${within}`
        : 'was not started by the launcher';
  return {
    kind: 'fall-back',
    message: `the new agent ${trial.to} ${why}; ${restored}`,
    restart: running !== trial.from,
  };
}

/** A check-in went through: the trial of the version that made it is over, and good. */
export function confirmsTrial(trial: AgentTrial | null, running: string): boolean {
  return trial !== null && running === trial.to;
}

/** Reads a stored trial; null when it is not one (a damaged file is no trial). */
export function parseTrial(text: string): AgentTrial | null {
  try {
    const v = JSON.parse(text) as Partial<AgentTrial>;
    const fields = [v.updateId, v.deploymentId, v.from, v.to, v.startedAt, v.deadline];
    if (!fields.every((f) => typeof f === 'string')) return null;
    if (!Number.isFinite(Date.parse(v.deadline as string))) return null;
    return v as AgentTrial;
  } catch {
    return null;
  }
}
