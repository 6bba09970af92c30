import { describe, expect, it } from 'vitest';
import { planFactory } from '../../test/factories/plan.factory.js';
import { phaseGate as domainPhaseGate } from '../domain/rollout/plan.js';
import { phaseGate, planSchema } from './plan.js';

describe('the plan contract', () => {
  it('fills the same defaults as the factory the domain tests use', () => {
    const phases = [{ name: 'pilot', percent: 5 }, { name: 'rest' }];
    expect(planSchema.parse({ phases })).toEqual(planFactory({ phases }));
    expect(planSchema.parse({ phases, gate: { maxFailurePercent: 5 } })).toEqual(
      planFactory({ phases, gate: { maxFailurePercent: 5 } }),
    );
    expect(planSchema.parse({ phases, emergency: { reason: 'worm' } })).toEqual(
      planFactory({ phases, emergency: { reason: 'worm' } }),
    );
  });

  it('re-exports the domain names, not copies', () => {
    expect(phaseGate).toBe(domainPhaseGate);
  });
});
