import { describe, expect, it } from 'vitest';
import type { ServerClient } from '../src/agent/core/server-client.js';
import { nightsOnlineAt, onlineAt, parseFaults, planFaults } from '../src/sim/faults.js';
import { Fleet } from '../src/sim/fleet.js';
import { TimeHeap } from '../src/sim/heap.js';
import { Rng } from '../src/sim/rng.js';

const never = (): never => {
  throw new Error('no server in this test');
};
const noServer: ServerClient = {
  enroll: never,
  checkin: never,
  reports: never,
  download: never,
};

const FAULTS =
  'offline=0.1,reimage=0.02,disk-space=0.02,agent-stopped=0.03,server-unreachable=0.05,' +
  'prerequisite-missing=0.02,install-error=0.05:1603,reboot-required=0.05,slow-download=0.02';

function truth(seed: number, agents = 500): string {
  return new Fleet({
    client: noServer,
    enrollmentToken: 'unused',
    agents,
    seed,
    sites: ['tokyo', 'osaka'],
    faults: parseFaults(FAULTS),
    installSeconds: 30,
    horizonSeconds: 7 * 86_400,
    rampSeconds: 60,
    concurrency: 10,
    // Different start moments must not change the truth: its times are relative.
    clock: { now: () => Date.now() + seed },
    timeScale: 1,
  }).truth();
}

describe('the simulator truth file', () => {
  it('is byte-identical for the same seed and differs for another seed', () => {
    const a = truth(42);
    expect(truth(42)).toBe(a);
    expect(truth(43)).not.toBe(a);
    const parsed = JSON.parse(a) as {
      seed: number;
      computers: { hostname: string; site: string; faults: { kind: string }[] }[];
    };
    expect(parsed.seed).toBe(42);
    expect(parsed.computers).toHaveLength(500);
    expect(parsed.computers[0]).toMatchObject({ hostname: 'sim-00001', site: 'tokyo' });
    expect(parsed.computers[1]).toMatchObject({ hostname: 'sim-00002', site: 'osaka' });
    // Each kind reaches round(rate × N) computers, one fault each while rates sum < 1.
    const count = (kind: string) =>
      parsed.computers.filter((c) => c.faults.some((f) => f.kind === kind)).length;
    expect(count('offline')).toBe(50);
    expect(count('install-error')).toBe(25);
    expect(count('reimage')).toBe(10);
    expect(parsed.computers.filter((c) => c.faults.length > 1)).toHaveLength(0);
  });

  it('gives each computer its own boot, in the range its head tells', () => {
    const parsed = JSON.parse(truth(42, 200)) as {
      bootSeconds: { min: number; max: number };
      computers: { bootSeconds: number }[];
    };
    expect(parsed.bootSeconds).toEqual({ min: 30, max: 120 });
    const boots = parsed.computers.map((c) => c.bootSeconds);
    expect(Math.min(...boots)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...boots)).toBeLessThanOrEqual(120);
    // Spread over the range, not one value for all.
    expect(new Set(boots).size).toBeGreaterThan(20);
  });

  it('records the parameters it was given', () => {
    const plan = planFaults({
      seed: 1,
      agents: 10,
      specs: parseFaults('install-error=0.5:42,reboot-required=0.2:600,offline=0.3:nights'),
      horizonSeconds: 3600,
    });
    const all = plan.filter((f) => f !== null);
    expect(all.filter((f) => f.installError?.exitCode === 42)).toHaveLength(5);
    expect(all.filter((f) => f.rebootRequired?.restartAfterSeconds === 600)).toHaveLength(2);
    expect(all.filter((f) => f.offline?.schedule === 'nights')).toHaveLength(3);
  });

  it('refuses a bad fault spec', () => {
    expect(() => parseFaults('bogus=0.1')).toThrow(/unknown fault "bogus"/);
    expect(() => parseFaults('offline=2')).toThrow(/rate must be 0..1/);
    expect(() => parseFaults('offline=0.1:weekly')).toThrow(/schedule/);
    expect(() => parseFaults('install-error=0.1:abc')).toThrow(/exit code/);
    expect(() => parseFaults('offline')).toThrow(/kind=rate/);
  });

  it('keeps desktops off at night and at weekends', () => {
    // Wednesday 2026-01-07 12:00 UTC: on.
    const noon = Date.UTC(2026, 0, 7, 12);
    expect(nightsOnlineAt(noon)).toBe(noon);
    // Wednesday 22:00 → Thursday 07:00.
    expect(nightsOnlineAt(Date.UTC(2026, 0, 7, 22))).toBe(Date.UTC(2026, 0, 8, 7));
    // Saturday 10:00 → Monday 07:00.
    expect(nightsOnlineAt(Date.UTC(2026, 0, 10, 10))).toBe(Date.UTC(2026, 0, 12, 7));
    const offline = { schedule: 'intermittent' as const, windows: [{ from: 0, to: 100 }] };
    expect(onlineAt(offline, 10, 0)).toBe(100);
    expect(onlineAt(offline, 150, 0)).toBe(150);
  });

  it('orders wake times with its heap, and its PRNG repeats itself', () => {
    const heap = new TimeHeap();
    const rng = new Rng(7);
    const times = Array.from({ length: 5000 }, () => rng.next() * 1e6);
    times.forEach((t, i) => heap.push(t, i));
    const out: number[] = [];
    while (heap.size > 0) {
      const t = heap.peekTime();
      out.push(t);
      heap.pop();
    }
    expect(out).toEqual([...times].sort((a, b) => a - b));
    expect(new Rng(7).next()).toBe(new Rng(7).next());
    expect(new Rng(7).next()).not.toBe(new Rng(8).next());
  });
});
