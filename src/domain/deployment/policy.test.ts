import { describe, expect, it } from 'vitest';
import { effectivePolicy } from './policy.js';

describe('the effective client policy', () => {
  it("takes the deployment's explicit policy over every group's", () => {
    expect(effectivePolicy('scheduled', ['notify'])).toEqual({
      policy: 'scheduled',
      from: 'deployment',
    });
  });

  it("takes the groups' policy when the deployment sets none", () => {
    expect(effectivePolicy(null, [null, 'auto-download'])).toEqual({
      policy: 'auto-download',
      from: 'group',
    });
  });

  it('resolves a conflict between groups to the one that involves the user most', () => {
    expect(effectivePolicy(null, ['scheduled', 'notify', 'auto-download']).policy).toBe('notify');
    expect(effectivePolicy(null, ['scheduled', 'auto-download']).policy).toBe('auto-download');
  });

  it('falls back to scheduled', () => {
    expect(effectivePolicy(null, [])).toEqual({ policy: 'scheduled', from: 'default' });
    expect(effectivePolicy(null, [null, null])).toEqual({ policy: 'scheduled', from: 'default' });
  });
});
