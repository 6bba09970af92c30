import { describe, expect, it } from 'vitest';
import { phaseFigures } from '../rollout/gates.js';
import {
  isExhausted,
  lastHeardOf,
  noStatusState,
  tallyByUpdate,
  tallyDeployment,
  tallyPhases,
} from './counts.js';

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

describe('cancelled and last heard', () => {
  it('counts a computer without a status as cancelled once the deployment gives nothing', () => {
    expect(noStatusState('active')).toBe('pending');
    expect(noStatusState('completed')).toBe('pending');
    expect(noStatusState('halted')).toBe('cancelled');
    expect(noStatusState('revoked')).toBe('cancelled');
    const rows = [{ phase: 0, updateId: 'u', state: null, attempts: 0, n: 2 }];
    const [tally] = tallyPhases(1, rows, 3, noStatusState('halted'));
    expect(tally?.counts).toMatchObject({ pending: 0, cancelled: 2 });
    expect(tallyDeployment(tally ? [tally] : [], 1, 'cancelled').cancelled).toBe(3);
  });

  it('a cancelled status is neither success nor failure for the gates', () => {
    const f = phaseFigures({ size: 4, counts: { cancelled: 3, installed: 1 } });
    expect(f).toMatchObject({ succeeded: 1, failed: 0 });
  });

  it('keeps the newest status time and check-in per state, per phase and overall', () => {
    const rows = [
      {
        phase: 0,
        updateId: 'u',
        state: 'failed' as const,
        attempts: 1,
        n: 1,
        lastStatusAt: 5,
        lastSeenAt: 9,
      },
      {
        phase: 0,
        updateId: 'u',
        state: 'failed' as const,
        attempts: 2,
        n: 1,
        lastStatusAt: 7,
        lastSeenAt: 8,
      },
      {
        phase: 1,
        updateId: 'u',
        state: 'failed' as const,
        attempts: 1,
        n: 1,
        lastStatusAt: 6,
        lastSeenAt: null,
      },
    ];
    const tallies = tallyPhases(2, rows, 3);
    expect(tallies[0]?.lastHeard.failed).toEqual({ statusAt: 7, checkinAt: 9 });
    expect(tallies[1]?.lastHeard.failed).toEqual({ statusAt: 6, checkinAt: null });
    expect(lastHeardOf(tallies).failed).toEqual({ statusAt: 7, checkinAt: 9 });
    expect(lastHeardOf(tallies).installed).toBeUndefined();
  });
});
