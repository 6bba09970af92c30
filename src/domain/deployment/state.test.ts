import { describe, expect, it } from 'vitest';
import { decideChange, deploymentStates, statesBefore } from './state.js';

describe('deployment states', () => {
  it('lets a halted deployment resume, and says why an active one cannot', () => {
    expect(decideChange('halted', 'resume')).toMatchObject({ ok: true, to: 'active' });
    expect(decideChange('active', 'resume')).toEqual({
      ok: false,
      reason: 'resume needs it to be halted',
    });
  });

  it('rolls back from anything but a rollback, and never from rolled-back', () => {
    const allowed = deploymentStates.filter((s) => decideChange(s, 'rollback').ok);
    expect(allowed).toEqual(['active', 'halted', 'revoked', 'completed']);
    expect(decideChange('rolled-back', 'rollback').ok).toBe(false);
  });

  it('reopens only a completed deployment, and finishes only a rollback', () => {
    expect(statesBefore('reopen')).toEqual(['completed']);
    expect(decideChange('completed', 'reopen')).toMatchObject({ ok: true, to: 'active' });
    expect(decideChange('rolling-back', 'finish-rollback')).toMatchObject({
      ok: true,
      to: 'rolled-back',
    });
    expect(decideChange('active', 'finish-rollback').ok).toBe(false);
  });

  it('never leaves revoked or rolled-back except by a rollback of the revoked', () => {
    for (const s of ['revoked', 'rolled-back'] as const) {
      const ways = (
        ['halt', 'resume', 'revoke', 'readvertise', 'complete', 'reopen'] as const
      ).filter((c) => decideChange(s, c).ok);
      expect(ways).toEqual([]);
    }
  });
});
