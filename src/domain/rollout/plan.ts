/**
 * A deployment plan: ordered phases (rings), each opened when the one before it is
 * healthy, plus the schedule, retry and client policy of the whole deployment.
 * Times are ISO text here; the engine turns them into epoch ms. These are the parsed
 * shapes: src/contracts/plan.ts checks input against them and fills the defaults.
 */

/** What decides whether the phase after this one may open, or halts the deployment. */
export type Gate = {
  /** Share of the phase installed or not applicable before the next phase may open. */
  minSuccessPercent: number;
  /** Share of the phase failed above which the deployment halts by itself. */
  maxFailurePercent?: number | undefined;
  /** The next phase opens only after an approver promotes this one. */
  manual: boolean;
  /**
   * With a confidence (e.g. 0.95) the deployment halts only when the failure share is,
   * at that confidence, above `maxFailurePercent`: the Wilson score lower bound of the
   * failures among the phase's computers with an outcome exceeds it.
   */
  confidence?: number | undefined;
  /** The next phase opens only once at least this many computers of the phase have an outcome. */
  minSample?: number | undefined;
};

/** When a phase opens: some time after the one before it, or at a set time. */
export type PhaseStart = { afterSeconds: number } | { at: string };

export type Phase = {
  name: string;
  /** Cumulative share of the target reached by the end of this phase (0 < p ≤ 100). */
  percent?: number | undefined;
  /** This phase takes these groups' computers (in addition to `percent`, if given). */
  groups?: string[] | undefined;
  /** Default: the previous phase opened + soak (the first phase: the available time). */
  start?: PhaseStart | undefined;
  /** Overrides the plan's gate for this phase: only what it changes. */
  gate?: Partial<Gate> | undefined;
};

export const clientPolicies = ['notify', 'auto-download', 'scheduled'] as const;
export type ClientPolicy = (typeof clientPolicies)[number];

export type DeploymentPlan = {
  phases: Phase[];
  gate: Gate;
  soakSeconds: number;
  availableAt?: string | undefined;
  deadline?: string | undefined;
  emergency?: { reason: string; skipSoak: boolean } | undefined;
  recurrenceSeconds: number;
  recurrenceByGroup: Record<string, number>;
  maxAttempts: number;
  retryBackoffSeconds: number;
  policy: ClientPolicy;
  noAutoRestartWhileLoggedOn: boolean;
  windows: { overrideOnDeadline: boolean; overrideOnEmergency: boolean };
};

/** A maintenance window of a group: starts on a 5-field cron, lasts `durationMinutes`. */
export type MaintenanceWindow = { cron: string; durationMinutes: number; timezone: string };

/** The gate that decides whether the phase after `phaseIndex` may open. */
export function phaseGate(plan: DeploymentPlan, phaseIndex: number): Gate {
  const own = plan.phases[phaseIndex]?.gate ?? {};
  return {
    minSuccessPercent: own.minSuccessPercent ?? plan.gate.minSuccessPercent,
    maxFailurePercent: own.maxFailurePercent ?? plan.gate.maxFailurePercent,
    manual: own.manual ?? plan.gate.manual,
    confidence: own.confidence ?? plan.gate.confidence,
    minSample: own.minSample ?? plan.gate.minSample,
  };
}
