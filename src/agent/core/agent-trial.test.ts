import { describe, expect, it } from 'vitest';
import {
  MAX_TRIAL_STARTS,
  confirmsTrial,
  judgeTrial,
  newTrial,
  parseTrial,
} from './agent-trial.js';

const t0 = new Date('2026-12-05T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const trial = newTrial(
  { updateId: 'AGENT-0.2.0', deploymentId: 'dep_1' },
  '0.1.0',
  '0.2.0',
  600,
  t0,
);

describe('a new agent version on trial', () => {
  it('has its deadline the timeout after it began', () => {
    expect(trial).toMatchObject({
      from: '0.1.0',
      to: '0.2.0',
      startedAt: '2026-12-05T10:00:00.000Z',
      deadline: '2026-12-05T10:10:00.000Z',
    });
  });

  it('keeps trying while the new version runs and the deadline has not come', () => {
    expect(judgeTrial(trial, '0.2.0', 1, at(599))).toEqual({
      kind: 'on-trial',
      deadline: '2026-12-05T10:10:00.000Z',
    });
    expect(judgeTrial(null, '0.2.0', 0, at(10_000))).toEqual({ kind: 'none' });
  });

  it('is confirmed by a check-in of the new version only', () => {
    expect(confirmsTrial(trial, '0.2.0')).toBe(true);
    expect(confirmsTrial(trial, '0.1.0')).toBe(false);
    expect(confirmsTrial(null, '0.2.0')).toBe(false);
  });

  it('falls back, restarting, when the new version reaches the deadline without a check-in', () => {
    expect(judgeTrial(trial, '0.2.0', 1, at(600))).toEqual({
      kind: 'fall-back',
      message: 'the new agent 0.2.0 did not check in within 10m; 0.1.0 restored',
      restart: true,
    });
  });

  it('falls back in the previous version once the launcher gave the new one up', () => {
    expect(judgeTrial(trial, '0.1.0', MAX_TRIAL_STARTS, at(30))).toEqual({
      kind: 'fall-back',
      message: 'the new agent 0.2.0 stopped 3 times before its first check-in; 0.1.0 restored',
      restart: false,
    });
    // Fewer starts than the launcher allows: it was never started (its bundle missing).
    expect(judgeTrial(trial, '0.1.0', MAX_TRIAL_STARTS - 1, at(30))).toMatchObject({
      message: 'the new agent 0.2.0 was not started by the launcher; 0.1.0 restored',
      restart: false,
    });
    expect(judgeTrial(trial, '0.1.0', 1, at(601))).toMatchObject({
      message: 'the new agent 0.2.0 did not check in within 10m; 0.1.0 restored',
    });
  });

  it('restarts into the previous version when a third one runs', () => {
    expect(judgeTrial(trial, '0.0.9', MAX_TRIAL_STARTS, at(30))).toMatchObject({
      kind: 'fall-back',
      restart: true,
    });
  });

  it('reads back what it stored, and no damaged file as a trial', () => {
    expect(parseTrial(JSON.stringify(trial))).toEqual(trial);
    expect(parseTrial('{"from":"0.1.0"}')).toBeNull();
    expect(parseTrial('not json')).toBeNull();
    expect(parseTrial(JSON.stringify({ ...trial, deadline: 'soon' }))).toBeNull();
  });
});
