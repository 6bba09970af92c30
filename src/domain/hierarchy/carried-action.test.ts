import { describe, expect, it } from 'vitest';
import { nextCarriedStep, type CarriedState } from './carried-action.js';

const base: CarriedState = {
  enabled: true,
  state: 'active',
  haltedByParent: false,
  action: null,
  appliedSeq: 0,
};
const step = (over: Partial<CarriedState>) => nextCarriedStep({ ...base, ...over });

describe('nextCarriedStep', () => {
  it('leaves an enabled deployment with no action alone', () => {
    expect(step({})).toEqual({ step: 'none' });
  });

  it('halts what a hold holds, and nothing else while held', () => {
    expect(step({ enabled: false })).toEqual({ step: 'hold' });
    expect(step({ enabled: false, state: 'completed' })).toEqual({ step: 'hold' });
    expect(step({ enabled: false, state: 'halted', haltedByParent: true })).toEqual({
      step: 'none',
    });
    // A held child is not affected by the parent's actions until enabled.
    expect(step({ enabled: false, state: 'halted', action: { kind: 'rollback', seq: 4 } })).toEqual(
      { step: 'none' },
    );
  });

  it("applies the parent's action once, by its number", () => {
    expect(step({ action: { kind: 'halt', seq: 3 } })).toEqual({
      step: 'apply',
      action: 'halt',
      seq: 3,
    });
    expect(step({ action: { kind: 'halt', seq: 3 }, appliedSeq: 3 })).toEqual({ step: 'none' });
    expect(
      step({
        state: 'halted',
        haltedByParent: true,
        action: { kind: 'resume', seq: 5 },
        appliedSeq: 3,
      }),
    ).toEqual({ step: 'apply', action: 'resume', seq: 5 });
    expect(step({ state: 'completed', action: { kind: 'rollback', seq: 2 } })).toEqual({
      step: 'apply',
      action: 'rollback',
      seq: 2,
    });
  });

  it('only records an action already in effect (a sync stopped before recording it)', () => {
    expect(
      step({ state: 'halted', haltedByParent: true, action: { kind: 'halt', seq: 3 } }),
    ).toEqual({ step: 'record', seq: 3 });
    expect(step({ state: 'rolling-back', action: { kind: 'rollback', seq: 7 } })).toEqual({
      step: 'record',
      seq: 7,
    });
    expect(step({ action: { kind: 'resume', seq: 8 }, appliedSeq: 2 })).toEqual({
      step: 'record',
      seq: 8,
    });
  });

  it("does not resume a halt of the child's own", () => {
    expect(step({ state: 'halted', action: { kind: 'resume', seq: 6 }, appliedSeq: 5 })).toEqual({
      step: 'record',
      seq: 6,
    });
    expect(step({ state: 'halted', action: { kind: 'resume', seq: 6 }, appliedSeq: 6 })).toEqual({
      step: 'none',
    });
  });

  it("catches up once enabled: a hold's halt stays while the parent's last action stops it", () => {
    const held = { state: 'halted' as const, haltedByParent: true };
    // Halted on the parent while held: recorded, still halted.
    expect(step({ ...held, action: { kind: 'halt', seq: 4 } })).toEqual({
      step: 'record',
      seq: 4,
    });
    expect(step({ ...held, action: { kind: 'halt', seq: 4 }, appliedSeq: 4 })).toEqual({
      step: 'none',
    });
    // No action, or the last one a resume: the hold's halt is undone.
    expect(step(held)).toEqual({ step: 'unhold' });
    expect(step({ ...held, action: { kind: 'resume', seq: 4 }, appliedSeq: 4 })).toEqual({
      step: 'unhold',
    });
    // Rolled back on the parent while held: the rollback is carried when enabled.
    expect(step({ ...held, action: { kind: 'rollback', seq: 9 } })).toEqual({
      step: 'apply',
      action: 'rollback',
      seq: 9,
    });
  });
});
