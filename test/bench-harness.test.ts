import { describe, expect, it } from 'vitest';
import {
  complianceLowerBound,
  earliestCompletion,
  faultsFromTruth,
  reachSeconds,
} from '../bench/lib/compliance.js';
import { checkinBody, inventoryFor } from '../bench/lib/fleet.js';
import { firstCheckinBody, idleCheckinBody } from '../bench/lib/protocol.js';
import { checkinRequest } from '../src/contracts/agent-protocol.js';
import { inventoryHash } from '../src/contracts/inventory-hash.js';
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

  it('sends what an idle agent sends: the hash of the seeded inventory, the tag, the last scan', () => {
    const tag = 'AAAAAAAAAAAAAAAAAAAAAA';
    const body = checkinRequest.parse(JSON.parse(idleCheckinBody(7, tag, '2026-12-05T00:00:00Z')));
    expect(body).toMatchObject({ inventoryHash: inventoryHash(inventoryFor(7)), answerTag: tag });
    expect(body.inventory).toBeUndefined();
    expect(checkinRequest.parse(JSON.parse(firstCheckinBody(7))).inventory).toEqual(
      inventoryFor(7),
    );
  });

  it('tells where a profiled frame lives', () => {
    expect(moduleOf('file:///w/node_modules/kysely/dist/esm/x.js')).toBe('kysely');
    expect(moduleOf('file:///w/node_modules/@fastify/ajv/x.js')).toBe('@fastify/ajv');
    expect(moduleOf('file:///w/dist/store/db.js')).toBe('ringmaster/store/db.js');
    expect(moduleOf('node:internal/streams/writable')).toBe('node:internal');
    expect(moduleOf('')).toBe('(native/V8)');
  });
});

describe('reach percentile', () => {
  it('is the ceil(95%)-th earliest time after the start, ignoring computers never reached', () => {
    // 20 computers: 19 reached at 1 s … 19 s after t0, one never (0).
    const t0 = 1_000_000;
    const times = [0, ...Array.from({ length: 19 }, (_, i) => t0 + (19 - i) * 1000)];
    expect(reachSeconds(times, 20, t0)).toBe(19); // need 19 of 20
    expect(reachSeconds(times, 20, t0, 0.5)).toBe(10);
    // Out of 21, 95% is 20 computers: only 19 got there.
    expect(reachSeconds(times, 21, t0)).toBeNull();
    expect(reachSeconds([], 0, t0)).toBeNull();
    expect(reachSeconds([t0 + 1234], 1, t0)).toBe(1.234);
  });
});

describe('time-to-compliance lower bound', () => {
  const start = Date.UTC(2026, 10, 30, 8); // Monday 08:00 UTC
  const off = (windows: { from: number; to: number | null }[]) =>
    faultsFromTruth([{ kind: 'offline', schedule: 'intermittent', windows }]);

  it('rebuilds the fault model from the truth file and finds the first long-enough online span', () => {
    const f = off([
      { from: 0, to: 100 },
      { from: 110, to: 200 },
    ]);
    expect(f.offline?.windows).toHaveLength(2);
    expect(earliestCompletion(null, 5, 15, start)).toBe(20);
    // On at 100, but off again at 110: a 15 s install fits only from 200.
    expect(earliestCompletion(f, 0, 15, start)).toBe(215);
    expect(earliestCompletion(f, 0, 10, start)).toBe(110);
    expect(earliestCompletion(off([{ from: 50, to: null }]), 60, 1, start)).toBe(Infinity);
  });

  it('follows the nights schedule: Mon–Fri 07:00–19:00 UTC', () => {
    const nights = faultsFromTruth([{ kind: 'offline', schedule: 'nights' }]);
    // From 18:59:50 an install of 30 s does not fit before 19:00: next morning 07:00 + 30 s.
    const at = 11 * 3600 - 10; // 08:00 + 11 h − 10 s
    expect(earliestCompletion(nights, at, 30, start)).toBe(23 * 3600 + 30);
  });

  it('opens the next phase at max(open + soak, gate met) and takes the 95th computer', () => {
    // Phase 0: 2 computers, one online, one back at 1000 s; phase 1: 18 always online.
    const computers = [
      { faults: null, phase: 0 },
      { faults: off([{ from: 0, to: 1000 }]), phase: 0 },
      ...Array.from({ length: 18 }, () => ({ faults: null, phase: 1 })),
    ];
    const base = {
      computers,
      phases: 2,
      createdSeconds: 100,
      minInstallSeconds: 10,
      share: 0.95,
      startEpochMs: start,
    };
    // Gate 100%: phase 1 waits for the second pilot computer (1000 + 10), past the soak.
    const gated = complianceLowerBound({ ...base, soakSeconds: 300, gatePercent: 100 });
    expect(gated.phaseOpensSeconds).toEqual([0, 910]);
    // 19 of 20 needed: the 18 broad ones at 1010 + 10 → 920 s after creation.
    expect(gated.seconds).toBe(920);
    // Gate 50%: the soak decides (100 + 300), broad done at 410: 310 s after creation.
    const soaked = complianceLowerBound({ ...base, soakSeconds: 300, gatePercent: 50 });
    expect(soaked.phaseOpensSeconds).toEqual([0, 300]);
    expect(soaked.seconds).toBe(310);
  });

  it('is null when too many computers never come online', () => {
    const never = off([{ from: 0, to: null }]);
    const bound = complianceLowerBound({
      computers: [
        { faults: never, phase: 0 },
        { faults: never, phase: 0 },
        { faults: null, phase: 0 },
      ],
      phases: 1,
      createdSeconds: 0,
      soakSeconds: 0,
      gatePercent: 0,
      minInstallSeconds: 1,
      share: 0.95,
      startEpochMs: start,
    });
    expect(bound.seconds).toBeNull();
  });
});
