import { describe, expect, it } from 'vitest';
import { planFactory } from '../../../test/factories/plan.factory.js';
import type { MaintenanceWindow } from './plan.js';
import { installStart, windowOccurrences, windowState, windowsOverridden } from './windows.js';

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

describe('windowOccurrences', () => {
  const at = (iso: string) => Date.parse(iso);
  const weekday22 = { cron: '0 22 * * 1-5', durationMinutes: 240, timezone: 'UTC' };

  it('expands a window into the openings of a week, one that is open at the start included', () => {
    // Monday 2026-11-30 00:00 UTC to the next Monday: Friday's opening runs into Saturday.
    const from = at('2026-11-30T00:00:00Z');
    const got = windowOccurrences([weekday22], from, from + 7 * 86_400_000);
    expect(got.map((o) => new Date(o.start).toISOString())).toEqual([
      '2026-11-30T22:00:00.000Z',
      '2026-12-01T22:00:00.000Z',
      '2026-12-02T22:00:00.000Z',
      '2026-12-03T22:00:00.000Z',
      '2026-12-04T22:00:00.000Z',
    ]);
    expect(got[4]?.end).toBe(at('2026-12-05T02:00:00Z'));
    // From Tuesday 01:00, Monday's opening is still open: it is the first.
    const later = windowOccurrences(
      [weekday22],
      at('2026-12-01T01:00:00Z'),
      at('2026-12-02T00:00:00Z'),
    );
    expect(later.map((o) => new Date(o.start).toISOString())).toEqual([
      '2026-11-30T22:00:00.000Z',
      '2026-12-01T22:00:00.000Z',
    ]);
  });

  it("keeps each window's time zone and sorts several windows by start, bounded per window", () => {
    const tokyo = { cron: '0 2 * * *', durationMinutes: 60, timezone: 'Asia/Tokyo' };
    const from = at('2026-12-01T00:00:00Z');
    const got = windowOccurrences([weekday22, tokyo], from, from + 86_400_000);
    expect(got.map((o) => [new Date(o.start).toISOString(), o.window.timezone])).toEqual([
      // Monday's 22:00 opening is still open at Tuesday 00:00.
      ['2026-11-30T22:00:00.000Z', 'UTC'],
      // 02:00 in Tokyo is 17:00 UTC the day before.
      ['2026-12-01T17:00:00.000Z', 'Asia/Tokyo'],
      ['2026-12-01T22:00:00.000Z', 'UTC'],
    ]);
    const everyMinute = { cron: '* * * * *', durationMinutes: 1, timezone: 'UTC' };
    expect(windowOccurrences([everyMinute], from, from + 86_400_000, 50)).toHaveLength(50);
  });
});
