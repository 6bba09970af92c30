import { describe, expect, it } from 'vitest';
import { checkinBody, inventoryFor } from '../bench/lib/fleet.js';
import { moduleOf } from '../bench/lib/profile.js';
import {
  nextRate,
  percentile,
  selectCapacity,
  stepVerdict,
  summarize,
  type StepResult,
} from '../bench/lib/stats.js';

function step(offeredRate: number, p99Ms: number, achievedFraction = 1, errors = 0): StepResult {
  return {
    offeredRate,
    achievedRate: offeredRate * achievedFraction,
    ok: offeredRate * 5,
    errors,
    latency: { count: 100, p50Ms: p99Ms / 4, p90Ms: p99Ms / 2, p99Ms, maxMs: p99Ms, meanMs: 1 },
  };
}

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1 … 100

  it('returns the smallest sample with at least p% of samples at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0.5)).toBe(1);
    expect(percentile([3, 7, 9], 50)).toBe(7);
    expect(percentile([42], 99)).toBe(42);
  });

  it('is NaN for no samples and rejects a percentile out of range', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile(hundred, 0)).toThrow(RangeError);
    expect(() => percentile(hundred, 101)).toThrow(RangeError);
  });

  it('summarize sorts a copy numerically, not as text', () => {
    const samples = [100, 9, 20, 3, 1000];
    const s = summarize(samples);
    expect(s).toEqual({
      count: 5,
      p50Ms: 20,
      p90Ms: 1000,
      p99Ms: 1000,
      maxMs: 1000,
      meanMs: 226.4,
    });
    expect(samples).toEqual([100, 9, 20, 3, 1000]);
    expect(summarize([]).p99Ms).toBeNull();
  });

  it('one slow request in a hundred sets the p99, two in a thousand do not', () => {
    const fast = (n: number): number[] => Array.from({ length: n }, () => 2);
    expect(summarize([...fast(99), 500]).p99Ms).toBe(2);
    expect(summarize([...fast(98), 500, 500]).p99Ms).toBe(500);
    expect(summarize([...fast(998), 500, 500]).p99Ms).toBe(2);
  });
});

describe('step verdicts and the chosen capacity', () => {
  it('needs p99 strictly below 100 ms, ≥ 95% achieved and ≤ 1% errors', () => {
    expect(stepVerdict(step(1000, 99.9))).toBeNull();
    expect(stepVerdict(step(1000, 100))).toMatch(/p99/);
    expect(stepVerdict(step(1000, 20, 0.94))).toMatch(/achieved/);
    expect(stepVerdict(step(1000, 20, 0.95))).toBeNull();
    expect(stepVerdict(step(1000, 20, 1, 100))).toMatch(/errors/);
    expect(stepVerdict({ ...step(1000, 20), latency: summarize([]) })).toBe(
      'no successful response',
    );
  });

  it('is the highest passing rate below the first failure, whatever the order', () => {
    const steps = [step(2000, 30), step(500, 5), step(4000, 300), step(1000, 10), step(8000, 20)];
    expect(selectCapacity(steps)?.offeredRate).toBe(2000);
    expect(selectCapacity([step(500, 150)])).toBeNull();
    expect(selectCapacity([])).toBeNull();
  });

  it('climbs the ladder, then bisects once between the last pass and the first failure', () => {
    const ladder = [500, 1000, 2000, 4000];
    expect(nextRate(ladder, [])).toBe(500);
    expect(nextRate(ladder, [step(500, 5), step(1000, 9)])).toBe(2000);
    expect(nextRate(ladder, [step(500, 5), step(1000, 9), step(2000, 400)])).toBe(1500);
    // After the bisection step, whatever it gave, stop.
    expect(nextRate(ladder, [step(500, 5), step(1000, 9), step(2000, 400), step(1500, 50)])).toBe(
      null,
    );
    // Close enough already, or no bisection allowed, or nothing passed: stop.
    expect(nextRate([1000, 1100], [step(1000, 9), step(1100, 400)])).toBeNull();
    expect(nextRate(ladder, [step(500, 5), step(1000, 400)], undefined, 0.2, 0)).toBeNull();
    expect(nextRate(ladder, [step(500, 400)])).toBeNull();
    // The top of the ladder passed: done.
    expect(nextRate([500], [step(500, 5)])).toBeNull();
  });
});

describe('the bench fleet', () => {
  it('gives each computer a stable, valid idle check-in body', () => {
    expect(inventoryFor(12345)).toEqual(inventoryFor(12345));
    expect(inventoryFor(1).hardwareId).not.toBe(inventoryFor(2).hardwareId);
    const body = JSON.parse(checkinBody(7)) as { inventory: unknown; events: unknown[] };
    expect(body.events).toEqual([]);
    expect(body.inventory).toEqual(inventoryFor(7));
  });

  it('tells where a profiled frame lives', () => {
    expect(moduleOf('file:///w/node_modules/kysely/dist/esm/x.js')).toBe('kysely');
    expect(moduleOf('file:///w/node_modules/@fastify/ajv/x.js')).toBe('@fastify/ajv');
    expect(moduleOf('file:///w/dist/store/db.js')).toBe('ringmaster/store/db.js');
    expect(moduleOf('node:internal/streams/writable')).toBe('node:internal');
    expect(moduleOf('')).toBe('(native/V8)');
  });
});
