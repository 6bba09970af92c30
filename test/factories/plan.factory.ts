import type { DeploymentPlan, Gate } from '../../src/domain/rollout/plan.js';

export type PlanOverrides = Partial<Omit<DeploymentPlan, 'gate' | 'windows' | 'emergency'>> & {
  gate?: Partial<Gate>;
  windows?: Partial<DeploymentPlan['windows']>;
  emergency?: { reason: string; skipSoak?: boolean };
};

/**
 * A parsed plan for domain tests, which may not import the contracts: the defaults are
 * those of `planSchema`, and src/contracts/plan.test.ts fails when the two drift apart.
 */
export function planFactory(overrides: PlanOverrides = {}): DeploymentPlan {
  const { gate, windows, emergency, ...rest } = overrides;
  return {
    phases: [{ name: 'all', percent: 100 }],
    soakSeconds: 86_400,
    recurrenceSeconds: 7 * 86_400,
    recurrenceByGroup: {},
    maxAttempts: 5,
    retryBackoffSeconds: 600,
    policy: 'scheduled',
    noAutoRestartWhileLoggedOn: false,
    ...rest,
    gate: { minSuccessPercent: 95, manual: false, ...gate },
    windows: { overrideOnDeadline: true, overrideOnEmergency: true, ...windows },
    ...(emergency && { emergency: { skipSoak: true, ...emergency } }),
  };
}
