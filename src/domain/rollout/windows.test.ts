import { describe, expect, it } from 'vitest';
import { planFactory } from '../../../test/factories/plan.factory.js';
import type { MaintenanceWindow } from './plan.js';
import { installStart, windowState, windowsOverridden } from './windows.js';

// Saturdays 01:00–05:00 Asia/Tokyo.
const saturdayNight: MaintenanceWindow = {
  cron: '0 1 * * 6',
  durationMinutes: 240,
  timezone: 'Asia/Tokyo',
};
const tokyo = (local: string): number => Date.parse(`${local}+09:00`);
// 2025-06-07 is a Saturday.

describe('windowState', () => {
  it('starts at 01:00 and as long as the 300 s timeout fits', () => {
    expect(windowState([saturdayNight], tokyo('2025-06-07T01:00:00'), 300).canStartNow).toBe(true);
    const at = windowState([saturdayNight], tokyo('2025-06-07T04:55:00'), 300);
    expect(at.canStartNow).toBe(true);
    expect(at.reason).toBe('inside window "0 1 * * 6" Asia/Tokyo for 4h: 5m left ≥ 5m timeout');
  });

  it('does not start at 04:58: the timeout does not fit; next Saturday 01:00 instead', () => {
    const s = windowState([saturdayNight], tokyo('2025-06-07T04:58:00'), 300);
    expect(s.canStartNow).toBe(false);
    expect(s.nextStartAt).toBe(tokyo('2025-06-14T01:00:00'));
    expect(s.reason).toMatch(
      /^only 2m left of window .* less than the 5m install timeout; next window/,
    );
  });

  it('outside the window: waits for the next start', () => {
    const s = windowState([saturdayNight], tokyo('2025-06-06T23:00:00'), 300);
    expect(s).toMatchObject({ canStartNow: false, nextStartAt: tokyo('2025-06-07T01:00:00') });
    expect(windowState([saturdayNight], tokyo('2025-06-07T05:00:00'), 300).canStartNow).toBe(false);
  });

  it('no windows: always open; windows too short: never', () => {
    expect(windowState([], 123, 300)).toMatchObject({ canStartNow: true, nextStartAt: 123 });
    const short = windowState(
      [{ ...saturdayNight, durationMinutes: 4 }],
      tokyo('2025-06-07T01:00:00'),
      300,
    );
    expect(short).toMatchObject({ canStartNow: false, nextStartAt: null });
  });

  it('any of several windows will do', () => {
    const daily: MaintenanceWindow = { cron: '0 22 * * *', durationMinutes: 60, timezone: 'UTC' };
    const s = windowState([saturdayNight, daily], Date.parse('2025-06-04T22:30:00Z'), 300);
    expect(s.canStartNow).toBe(true);
  });
});

describe('deadlines and emergencies', () => {
  const created = Date.parse('2025-06-01T00:00:00Z');
  const plan = planFactory({
    phases: [{ name: 'all', percent: 100 }],
    deadline: '2025-06-05T00:00:00Z',
  });

  it('before the deadline windows hold, but the deadline brings the start forward', () => {
    const s = installStart(plan, created, [saturdayNight], Date.parse('2025-06-02T00:00:00Z'), 300);
    expect(s.canStartNow).toBe(false);
    expect(s.nextStartAt).toBe(Date.parse('2025-06-05T00:00:00Z'));
  });

  it('at the deadline windows no longer apply, unless the plan says so', () => {
    const at = Date.parse('2025-06-05T00:00:00Z');
    expect(installStart(plan, created, [saturdayNight], at, 300).canStartNow).toBe(true);
    const strict = { ...plan, windows: { overrideOnDeadline: false, overrideOnEmergency: true } };
    expect(installStart(strict, created, [saturdayNight], at, 300)).toMatchObject({
      canStartNow: false,
      nextStartAt: tokyo('2025-06-07T01:00:00'),
    });
  });

  it('an emergency overrides windows at once', () => {
    const e = { ...plan, emergency: { reason: 'worm', skipSoak: true } };
    expect(windowsOverridden(e, created, created)).toEqual({
      overridden: true,
      reason: 'emergency (worm) overrides windows',
    });
  });
});
