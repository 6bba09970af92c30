import { describe, expect, it } from 'vitest';
import { scaledClock, systemClock } from './clock.js';

describe('clocks', () => {
  it('a scaled clock runs `scale` times faster from its origin', () => {
    let real = 1_000;
    const clock = scaledClock(60, 1_000, { now: () => real });
    expect(clock.now()).toBe(1_000);
    real = 2_000;
    expect(clock.now()).toBe(61_000);
    expect(clock.scale).toBe(60); // what a timer on this clock divides by
  });

  it('at scale 1 it is the real clock itself', () => {
    expect(scaledClock(1, 0)).toBe(systemClock);
  });
});
