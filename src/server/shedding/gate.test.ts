import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Gate } from './gate.js';

describe('Gate', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('hands a freed slot to the oldest waiter, and sheds past the queue', async () => {
    const gate = new Gate({ inFlight: 1, queued: 2, maxLagMs: null }, 500);
    expect(await gate.enter()).toBe(true);
    const second = gate.enter();
    const third = gate.enter();
    expect(await gate.enter()).toBe(false);
    expect(gate.queued).toBe(2);

    gate.leave();
    expect(await second).toBe(true);
    expect(gate.inFlight).toBe(1);
    expect(gate.queued).toBe(1);
    gate.leave();
    expect(await third).toBe(true);
    gate.leave();
    expect(gate.inFlight).toBe(0);
  });

  it('sheds at once while the event loop lags past the limit', async () => {
    let lag = 0;
    const gate = new Gate({ inFlight: 4, queued: 4, maxLagMs: 50 }, 500, () => lag);
    expect(await gate.enter()).toBe(true);
    lag = 80;
    expect(await gate.enter()).toBe(false);
    lag = 10;
    expect(await gate.enter()).toBe(true);
  });

  it('sheds a waiter that waited its longest, and keeps the slot count', async () => {
    const gate = new Gate({ inFlight: 1, queued: 1, maxLagMs: null }, 500);
    expect(await gate.enter()).toBe(true);
    const waiting = gate.enter();
    await vi.advanceTimersByTimeAsync(500);
    expect(await waiting).toBe(false);
    expect(gate.queued).toBe(0);
    gate.leave();
    expect(gate.inFlight).toBe(0);
    expect(await gate.enter()).toBe(true);
  });

  it('sheds past its rate at once, before counting, and admits again as the clock moves', async () => {
    let now = 0;
    const limits = {
      inFlight: 100,
      queued: 100,
      maxLagMs: null,
      rate: { perSecond: 20, burst: 2 },
    };
    const gate = new Gate(
      limits,
      500,
      () => 0,
      () => now,
    );
    expect(await gate.enter()).toBe(true);
    expect(await gate.enter()).toBe(true);
    // Slots are free, but the burst is spent: shed, not queued.
    expect(await gate.enter()).toBe(false);
    expect(gate.queued).toBe(0);
    expect(gate.inFlight).toBe(2);
    now = 50;
    expect(await gate.enter()).toBe(true);
    expect(await gate.enter()).toBe(false);
  });

  it('an adaptive rate falls while the loop lags and climbs back once it does not', async () => {
    let now = 0;
    let lag = 0;
    const rate = { perSecond: 1000, targetLagMs: 20 };
    const gate = new Gate(
      { inFlight: 1e6, queued: 0, maxLagMs: null, rate },
      500,
      () => lag,
      () => now,
    );
    // Out of its slow start (six periods without lag), at the ceiling.
    for (let period = 1; period <= 6; period++) {
      now = period * 100;
      await gate.enter();
    }
    expect(gate.ratePerSecond).toBe(1000);
    lag = 50;
    for (let period = 7; period <= 11; period++) {
      now = period * 100;
      await gate.enter();
    }
    // Five periods of lag: 1000 × 0.8^5.
    expect(gate.ratePerSecond).toBeCloseTo(327.68, 5);
    // Offered 3,000/s for the next period (lag gone): about a tenth of 327 admitted.
    lag = 0;
    let admitted = 0;
    for (let k = 1; k <= 300; k++) {
      now = 1100 + k / 3;
      if (await gate.enter()) admitted++;
    }
    expect(admitted).toBeGreaterThanOrEqual(30);
    expect(admitted).toBeLessThanOrEqual(70);
    // Without lag it climbs by a fiftieth of the ceiling per period, back to the ceiling.
    for (let period = 1; period <= 40; period++) {
      now = 1200 + period * 100;
      await gate.enter();
    }
    expect(gate.ratePerSecond).toBe(1000);
  });

  it('a fresh adaptive gate admits a tenth of its ceiling at first, and reaches it in six periods without lag', async () => {
    let now = 0;
    const gate = new Gate(
      { inFlight: 1e6, queued: 0, maxLagMs: null, rate: { perSecond: 1000, targetLagMs: 20 } },
      500,
      () => 0,
      () => now,
    );
    // 3,000/s offered in its first period: a burst and a period of 100/s, not of 1,000/s.
    let admitted = 0;
    for (let k = 0; k < 300; k++) {
      now = k / 3;
      if (await gate.enter()) admitted++;
    }
    expect(admitted).toBeLessThanOrEqual(25);
    // Half as much again each period: 150, 225, 337.5, 506, 759, then the ceiling.
    for (let period = 1; period <= 5; period++) {
      now = period * 100;
      await gate.enter();
    }
    expect(gate.ratePerSecond).toBeCloseTo(759.375, 5);
    now = 600;
    await gate.enter();
    expect(gate.ratePerSecond).toBe(1000);
  });
});
