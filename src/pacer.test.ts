import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.js';

describe('Pacer', () => {
  it('waits so that the bytes never run ahead of the rate, on a virtual clock', async () => {
    let now = 1_000;
    const waits: number[] = [];
    const pacer = new Pacer(1000, { now: () => now }, (ms) => {
      waits.push(ms);
      now += ms;
      return Promise.resolve();
    });
    await pacer.passed(500); // 0.5 s of budget at once
    await pacer.passed(500);
    now += 2000; // a slow stretch: the next bytes go at once, up to the rate since the start
    await pacer.passed(1000);
    await pacer.passed(1500);
    expect(waits).toEqual([500, 500, 500]);
    expect(now - 1_000).toBe(3500); // 3,500 bytes at 1,000/s never take less than 3.5 s
  });
});
