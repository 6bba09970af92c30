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
});
