import { describe, expect, it } from 'vitest';
import { isExhausted, tallyByUpdate, tallyDeployment, tallyPhases } from './counts.js';

describe('deployment counts', () => {
  it('tallies each phase, with computers without a status as pending', () => {
    const [first, second] = tallyPhases(
      2,
      [
        { updateId: 'u1', phase: 0, state: 'installed', attempts: 1, n: 3 },
        { updateId: 'u1', phase: 0, state: null, attempts: 0, n: 2 },
        { updateId: 'u1', phase: 1, state: 'failed', attempts: 2, n: 4 },
        { updateId: 'u1', phase: 1, state: 'failed', attempts: 1, n: 1 },
      ],
      2,
    );
    expect(first).toMatchObject({ size: 5, exhausted: 0 });
    expect(first?.counts).toMatchObject({ installed: 3, pending: 2, failed: 0 });
    expect(second).toMatchObject({ size: 5, exhausted: 4 });
    expect(second?.counts.failed).toBe(5);
  });

  it('ignores rows of phases the plan does not have', () => {
    const tallies = tallyPhases(
      1,
      [{ updateId: 'u1', phase: 3, state: 'installed', attempts: 1, n: 9 }],
      5,
    );
    expect(tallies.map((t) => t.size)).toEqual([0]);
  });

  it('adds unplaced target computers as pending to the whole', () => {
    const phases = tallyPhases(
      1,
      [{ updateId: 'u1', phase: 0, state: 'installed', attempts: 1, n: 2 }],
      5,
    );
    expect(tallyDeployment(phases, 3)).toMatchObject({ installed: 2, pending: 3 });
  });

  it('exhausts only failures that used their attempts', () => {
    expect(isExhausted('failed', 5, 5)).toBe(true);
    expect(isExhausted('failed', 4, 5)).toBe(false);
    expect(isExhausted('uninstall-failed', 9, 5)).toBe(false);
  });
});

describe('counts per update', () => {
  it('counts each update of a deployment apart, unplaced computers pending in each', () => {
    const byUpdate = tallyByUpdate(
      ['a', 'b'],
      [
        { updateId: 'a', phase: 0, state: 'installed', attempts: 1, n: 2 },
        { updateId: 'b', phase: 0, state: 'failed', attempts: 1, n: 1 },
        { updateId: 'b', phase: 0, state: null, attempts: 0, n: 1 },
      ],
      1,
    );
    expect(byUpdate.get('a')).toMatchObject({ installed: 2, pending: 1, failed: 0 });
    expect(byUpdate.get('b')).toMatchObject({ installed: 0, pending: 2, failed: 1 });
  });

  it('weighs pairs in the phase tally: two updates on two computers make four', () => {
    const [phase] = tallyPhases(
      1,
      [
        { updateId: 'a', phase: 0, state: 'installed', attempts: 1, n: 2 },
        { updateId: 'b', phase: 0, state: 'installed', attempts: 1, n: 1 },
        { updateId: 'b', phase: 0, state: 'failed', attempts: 5, n: 1 },
      ],
      5,
    );
    expect(phase).toMatchObject({ size: 4, exhausted: 1 });
    expect(phase?.counts.installed).toBe(3);
  });
});
