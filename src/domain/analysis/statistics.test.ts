import { describe, expect, it } from 'vitest';
import { hypergeometricUpperTail, normalQuantile, wilsonInterval } from './statistics.js';

describe('statistics', () => {
  it('gives the normal quantiles of the usual confidences', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });

  it('bounds 30 failures in 100 at 95 % between 21.9 % and 39.6 %', () => {
    const { lower, upper } = wilsonInterval(30, 100, 0.95);
    expect(lower).toBeCloseTo(0.2189, 3);
    expect(upper).toBeCloseTo(0.3958, 3);
  });

  it('knows little of 1 failure in 2 computers', () => {
    const { lower, upper } = wilsonInterval(1, 2, 0.95);
    expect(lower).toBeCloseTo(0.0945, 3);
    expect(upper).toBeCloseTo(0.9055, 3);
    expect(wilsonInterval(0, 0, 0.95)).toEqual({ lower: 0, upper: 1 });
  });

  it('computes the one-sided hypergeometric tail (Fisher exact)', () => {
    // Lady tasting tea: 8 cups, 4 marked, 4 drawn, all 4 right: 1 / 70.
    expect(hypergeometricUpperTail(8, 4, 4, 4)).toBeCloseTo(1 / 70, 12);
    // 3 or more right: (16 + 1) / 70.
    expect(hypergeometricUpperTail(8, 4, 4, 3)).toBeCloseTo(17 / 70, 12);
    expect(hypergeometricUpperTail(8, 4, 4, 0)).toBe(1);
    expect(hypergeometricUpperTail(8, 4, 4, 5)).toBe(0);
    // 12 failures, all on a site holding 8 % of 1000: vanishingly unlikely by chance.
    expect(hypergeometricUpperTail(1000, 80, 12, 12)).toBeLessThan(1e-12);
  });
});
