import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  complianceLowerBound,
  earliestCompletion,
  faultsFromTruth,
  reachSeconds,
} from '../bench/lib/compliance.js';
import { complianceBreakdown, describeBreakdown } from '../bench/lib/compliance-breakdown.js';
import { checkinBody, computerId, credential, inventoryFor } from '../bench/lib/fleet.js';
import { generatorLimit, openLoopConnections } from '../bench/lib/generators.js';
import type { StepReport } from '../bench/lib/load-fleet.js';
import { parseArgs } from '../bench/lib/options.js';
import { firstCheckinBody, idleCheckinBody } from '../bench/lib/protocol.js';
import { checkinRequest as checkinRequestSchema } from '../src/contracts/agent-protocol.js';
import { inventoryHash } from '../src/contracts/inventory-hash.js';
import { moduleOf } from '../bench/lib/profile.js';
import { loopDelayOf, perSecond } from '../bench/lib/per-second.js';
import { combineSteps, median, spread } from '../bench/lib/repeats.js';
import {
  nextRate,
  percentile,
  selectCapacity,
  stepVerdict,
  summarize,
  type StepResult,
} from '../bench/lib/stats.js';
import {
  histogramPercentile,
  lateness,
  parseWrkOutput,
  wrkStep,
  wrkTimeMs,
} from '../bench/lib/wrk-output.js';
import { checkinRequest, checkinRequests, REQUEST_SEPARATOR } from '../bench/lib/wrk-requests.js';
import { wrkArgs } from '../bench/lib/wrk.js';

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
    const body = checkinRequestSchema.parse(
      JSON.parse(idleCheckinBody(7, tag, '2026-12-05T00:00:00Z')),
    );
    expect(body).toMatchObject({ inventoryHash: inventoryHash(inventoryFor(7)), answerTag: tag });
    expect(body.inventory).toBeUndefined();
    expect(checkinRequestSchema.parse(JSON.parse(firstCheckinBody(7))).inventory).toEqual(
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

  it("counts the agent's shortest start after its computer comes on, and no more", () => {
    const f = off([
      { from: 0, to: 100 },
      { from: 300, to: 400 },
    ]);
    // Back at 100: the agent runs from 130, the install ends at 145.
    expect(earliestCompletion(f, 0, 15, start, { bootSeconds: 30 })).toBe(145);
    // Already on for long at 200 (its boot ended at 130): no boot to wait for.
    expect(earliestCompletion(f, 200, 15, start, { bootSeconds: 30 })).toBe(215);
    // At 110 the boot after 100 still runs: from 130.
    expect(earliestCompletion(f, 110, 15, start, { bootSeconds: 30 })).toBe(145);
    // The span after the boot is too short (290 − 130 < 175): after the next window, booted.
    expect(earliestCompletion(f, 0, 175, start, { bootSeconds: 30 })).toBe(605);
    // On since the simulation started: running, no boot.
    expect(earliestCompletion(null, 5, 15, start, { bootSeconds: 30 })).toBe(20);
    // A re-image's return boots too.
    const reimaged = faultsFromTruth([{ kind: 'reimage', atSeconds: 50, downSeconds: 50 }]);
    expect(earliestCompletion(reimaged, 60, 15, start, { bootSeconds: 30 })).toBe(145);
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

  it('breaks the time down per phase and per step of each install', () => {
    const step = (s: Partial<Parameters<typeof complianceBreakdown>[0]['computers'][number]>) => ({
      phase: 1,
      faults: null,
      installedAt: null,
      cameOnAt: null,
      agentStartedAt: null,
      wokenAt: null,
      cycleStartedAt: null,
      checkedInAt: null,
      cycles: 1,
      installStartedAt: null,
      installEndedAt: null,
      ...s,
    });
    const b = complianceBreakdown({
      computers: [
        // The pilot: on at its opening (10 s), woken at 12, installed at 40.
        step({ phase: 0, installedAt: 40, wokenAt: 12, cycleStartedAt: 13 }),
        // Broad, opened at 320: one on and woken, one back at 400 after an off window.
        step({
          installedAt: 350,
          wokenAt: 322,
          cycleStartedAt: 324,
          installStartedAt: 326,
          installEndedAt: 349,
        }),
        step({
          faults: off([{ from: 0, to: 500 }]),
          installedAt: 600,
          cameOnAt: 400,
          agentStartedAt: 470,
          cycleStartedAt: 471,
          installStartedAt: 480,
          installEndedAt: 598,
        }),
      ],
      phases: [
        { name: 'pilot', openedAt: 10, boundOpensAt: 0, gateMetAt: 40 },
        { name: 'broad', openedAt: 320, boundOpensAt: 300, gateMetAt: null },
      ],
      soakSeconds: 300,
      createdSeconds: 100,
      startEpochMs: start,
      minInstallSeconds: 15,
      minBootSeconds: 30,
      share: 1,
    });
    const [pilot, broad] = b.phases;
    expect(pilot).toMatchObject({ installed: 1, openedLateBy: null });
    expect(pilot?.onAtOpen.openToWake).toEqual({ n: 1, median: 2, max: 2 });
    // Broad opened 10 s after the soak's end (10 + 300), which came after its gate.
    expect(broad).toMatchObject({ computers: 2, installed: 2, openedLateBy: 10 });
    expect(broad?.onAtOpen).toMatchObject({ n: 1, openToCycle: { n: 1, median: 4, max: 4 } });
    expect(broad?.cameOnLater.boot).toEqual({ n: 1, median: 70, max: 70 });
    expect(broad?.cameOnLater.agentToCycle).toEqual({ n: 1, median: 1, max: 1 });
    expect(broad?.install).toEqual({ n: 2, median: 23, max: 118 });
    // Earliest after 320: 335 for the one on; the other is off until 500 − 100 = 400 after
    // creation, booted at 430, done at 445.
    expect(broad?.excess).toEqual({ n: 2, median: 15, max: 155 });
    expect(b.atShare).toMatchObject({ bound: 445, boundGivenOpens: 445, measured: 600 });
    expect(b.atShare.markComputer?.installedAt).toBe(600);
    expect(b.soonerThanBound).toBe(0);
    expect(describeBreakdown(b).join('\n')).toContain('broad: 2/2 installed');
  });

  it("counts each computer's own boot when the truth file gives it", () => {
    // Back at 100 s after creation (200 since the start): one boots in 40 s, one in 90 s.
    const f = off([{ from: 0, to: 200 }]);
    const bound = complianceLowerBound({
      computers: [
        { faults: f, phase: 0, bootSeconds: 40 },
        { faults: f, phase: 0, bootSeconds: 90 },
      ],
      phases: 1,
      createdSeconds: 100,
      soakSeconds: 0,
      gatePercent: 0,
      minInstallSeconds: 10,
      minBootSeconds: 30,
      share: 1,
      startEpochMs: start,
    });
    expect(bound.seconds).toBe(100 + 90 + 10);
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

// wrk 4.1's output, as printed with --latency and bench/wrk/checkin.lua.
const wrkOpenLoop = `Running 2s test @ http://127.0.0.1:4321/
  1 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.92ms    7.23ms    1.06s    94.92%
    Req/Sec   500.75     29.24   570.00     80.00%
  Latency Distribution
     50%  980.00us
     75%    4.62ms
     90%    7.94ms
     99%   51.09ms
  1003 requests in 2.01s, 121.46KB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 5
Requests/sec:    498.49
Transfer/sec:     60.36KB
ringmaster-wrk {"latencyP995Us":60250,"lateMs":{"0":990,"2":5,"40":5,"7":4}}
`;

const wrkHealthz = `Running 2s test @ http://127.0.0.1:4321/healthz
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.61ms    1.02ms  20.11ms   90.00%
    Req/Sec    11.41k   500.00    12.00k    70.00%
  Latency Distribution
     50%    5.50ms
     75%    6.00ms
     90%    6.50ms
     99%    9.12ms
  22845 requests in 2.00s, 4.10MB read
Requests/sec:  11422.50
Transfer/sec:      2.05MB
`;

describe('wrk output', () => {
  it('reads times in wrk units', () => {
    expect(wrkTimeMs('980.00us')).toBeCloseTo(0.98);
    expect(wrkTimeMs('4.62ms')).toBe(4.62);
    expect(wrkTimeMs('2.01s')).toBe(2010);
    expect(wrkTimeMs('1.50m')).toBe(90_000);
    expect(() => wrkTimeMs('-nan%')).toThrow(/not a wrk time/);
  });

  it('parses requests, the latency distribution, socket errors, non-2xx and the script line', () => {
    const r = parseWrkOutput(wrkOpenLoop);
    expect(r.requests).toBe(1003);
    expect(r.durationMs).toBe(2010);
    expect(r.requestsPerSecond).toBe(498.49);
    expect(r.latency).toEqual({
      meanMs: 3.92,
      maxMs: 1060,
      p50Ms: 0.98,
      p75Ms: 4.62,
      p90Ms: 7.94,
      p99Ms: 51.09,
    });
    expect(r.socketErrors).toEqual({ connect: 0, read: 2, write: 0, timeout: 3 });
    expect(r.non2xx).toBe(5);
    expect(r.script).toEqual({
      latencyP995Ms: 60.25,
      lateMs: { '0': 990, '2': 5, '40': 5, '7': 4 },
    });
  });

  it('reads a run without errors or script as zero errors and no lateness', () => {
    const r = parseWrkOutput(wrkHealthz);
    expect(r.socketErrors).toEqual({ connect: 0, read: 0, write: 0, timeout: 0 });
    expect(r.non2xx).toBe(0);
    expect(r.script).toBeNull();
    expect(r.latency?.p99Ms).toBe(9.12);
    expect(lateness(r)).toBeNull();
  });

  it('has no latency when nothing was answered, and refuses output that is not wrk’s', () => {
    const none = wrkHealthz
      .replace('22845 requests in 2.00s, 4.10MB read', '0 requests in 2.00s, 0.00B read')
      .replace(/Latency Distribution[\s\S]*?99%\s+\S+\n/, '');
    expect(parseWrkOutput(none).latency).toBeNull();
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(
      /request count/,
    );
    expect(() => parseWrkOutput(wrkHealthz.replace(/ +99%.*\n/, ''))).toThrow(/p99/);
  });

  it('takes percentiles of the lateness histogram by nearest rank, in bucket order', () => {
    expect(histogramPercentile({ '0': 990, '2': 5, '40': 5, '7': 4 }, 50)).toBe(0);
    expect(histogramPercentile({ '0': 990, '2': 5, '40': 5, '7': 4 }, 99.5)).toBe(7);
    expect(histogramPercentile({ '0': 990, '2': 5, '40': 5, '7': 4 }, 100)).toBe(40);
    expect(histogramPercentile({}, 99)).toBe(0);
    expect(lateness(parseWrkOutput(wrkOpenLoop))).toEqual({
      sends: 1004,
      p50Ms: 0,
      p99Ms: 2,
      p995Ms: 7,
      maxMs: 41,
    });
  });

  it('bounds an open loop’s p99 from the slot by p99.5 of latency plus p99.5 of lateness', () => {
    const step = wrkStep(parseWrkOutput(wrkOpenLoop), 500, 0.12);
    expect(step.latency.p99Ms).toBe(60.25 + 7);
    expect(step.latency.p50Ms).toBe(0.98);
    expect(step.latency.maxMs).toBe(1060 + 41);
    expect(step.ok).toBe(998);
    expect(step.achievedRate).toBeCloseTo(998 / 2.01);
    expect(step.errors).toBe(5 + 5);
    expect(step.scheduled).toBe(1004);
    expect(step.loadCpuCores).toBe(0.12);
    expect(step.firstError).toMatch(/read 2, write 0, timeout 3/);
    expect(stepVerdict(step)).toBeNull();
  });

  it('keeps wrk’s own p99 in a closed loop', () => {
    const step = wrkStep(parseWrkOutput(wrkHealthz), 0, 0.3);
    expect(step.latency.p99Ms).toBe(9.12);
    expect(step.lateness).toBeNull();
    expect(step.errors).toBe(0);
    expect(step.firstError).toBeNull();
    expect(Math.round(step.achievedRate)).toBe(11_423);
  });
});

describe('wrk requests and command line', () => {
  it('builds computer i’s idle check-in from the fleet’s functions, its length exact', () => {
    const raw = checkinRequest(42, '127.0.0.1:4321');
    const [head, body] = raw.split('\r\n\r\n');
    const lines = head!.split('\r\n');
    expect(lines[0]).toBe(`POST /agent/v1/computers/${computerId(42)}/checkin HTTP/1.1`);
    expect(lines).toContain('host: 127.0.0.1:4321');
    expect(lines).toContain(`authorization: Bearer ${credential(42)}`);
    expect(body).toBe(checkinBody(42));
    expect(lines).toContain(`content-length: ${Buffer.byteLength(checkinBody(42))}`);
  });

  it('writes one request per computer, NUL-separated, each its own computer’s', () => {
    const all = checkinRequests(3, 'h:1').split(REQUEST_SEPARATOR);
    expect(all).toEqual([0, 1, 2].map((i) => checkinRequest(i, 'h:1')));
    const idle = checkinRequests(2, 'h:1', (i) => `{"n":${i}}`).split(REQUEST_SEPARATOR);
    expect(idle.map((r) => r.split('\r\n\r\n')[1])).toEqual(['{"n":0}', '{"n":1}']);
    expect(idle[1]).toContain('content-length: 7');
  });

  it('passes the requests file, the seed and the rate per thread to the script', () => {
    const args = wrkArgs({
      origin: 'http://127.0.0.1:4321',
      path: '/',
      threads: 2,
      connections: 100,
      durationSeconds: 2.4,
      script: { file: 'bench/wrk/checkin.lua', args: ['/tmp/r.bin', '7', '250'] },
      cpus: '1',
    });
    expect(args.slice(0, 4)).toEqual(['taskset', '-c', '1', 'wrk']);
    expect(args).toEqual(expect.arrayContaining(['-t', '2', '-c', '100', '-d', '2s', '--latency']));
    expect(args.slice(args.indexOf('-s'))).toEqual([
      '-s',
      'bench/wrk/checkin.lua',
      'http://127.0.0.1:4321/',
      '--',
      '/tmp/r.bin',
      '7',
      '250',
    ]);
    const plain = wrkArgs({
      origin: 'http://h:1',
      path: '/healthz',
      threads: 4,
      connections: 2,
      durationSeconds: 0.2,
    });
    expect(plain[0]).toBe('wrk');
    expect(plain).not.toContain('-s');
    expect(plain).toEqual(expect.arrayContaining(['-c', '4', '-d', '1s']));
    expect(plain.at(-1)).toBe('http://h:1/healthz');
  });

  it('the Lua script reads those arguments and splits the file on the same separator', () => {
    const lua = readFileSync(new URL('../bench/wrk/checkin.lua', import.meta.url), 'utf8');
    expect(REQUEST_SEPARATOR).toBe('\0');
    expect(lua).toContain('string.find(data, "\\0", from, true)');
    expect(lua).toMatch(/io\.open\(args\[1\]/);
    expect(lua).toMatch(/math\.randomseed\(tonumber\(args\[2\]\)/);
    expect(lua).toMatch(/local rate = tonumber\(args\[3\]\)/);
    expect(lua).toContain('ringmaster-wrk {"latencyP995Us":%d,"lateMs":{%s}}');
  });

  it('says when the generator may have limited the figures', () => {
    expect(generatorLimit(1, 0.09, { generator: 0.019, server: 0.06 })).toBeNull();
    expect(generatorLimit(1, 0.95, { generator: 0.019, server: 0.06 })).toMatch(/0.95 of its 1/);
    // Starved rather than saturated: as costly per request as the server.
    expect(generatorLimit(2, 0.13, { generator: 0.391, server: 0.448 })).toMatch(
      /0.391 ms of CPU per \/healthz against the server's 0.448 ms/,
    );
    expect(generatorLimit(2, 0.13, { generator: null, server: 0.448 })).toBeNull();
  });

  it('opens enough connections for 100 ms per request, within bounds', () => {
    expect(openLoopConnections(250)).toBe(25);
    expect(openLoopConnections(50)).toBe(16);
    expect(openLoopConnections(3000)).toBe(300);
    expect(openLoopConnections(50_000)).toBe(1000);
  });
});

function report(achievedRate: number, p99Ms: number | null, cpu = 0.1): StepReport {
  return {
    offeredRate: 1000,
    achievedRate,
    ok: achievedRate * 2,
    errors: 0,
    latency: { count: 10, p50Ms: 1, p90Ms: 2, p99Ms, maxMs: p99Ms, meanMs: 1 },
    scheduled: 2000,
    dropped: 0,
    unfinished: 0,
    statuses: {},
    failures: 0,
    firstError: null,
    loadCpuCores: cpu,
    durationMs: 2000,
  };
}

describe('repeated steps', () => {
  it('median and spread', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(spread([900, 1000, 1100])).toEqual({ min: 900, max: 1100, percent: 20 });
    expect(spread([5])).toEqual({ min: 5, max: 5, percent: 0 });
    expect(spread([])).toBeNull();
  });

  it('one slow repeat out of three does not fail the step; two do', () => {
    const one = combineSteps([report(1000, 20), report(990, 400), report(1000, 30)]);
    expect(one.latency.p99Ms).toBe(30);
    expect(stepVerdict(one)).toBeNull();
    const two = combineSteps([report(1000, 20), report(700, 400), report(800, 300)]);
    expect(two.latency.p99Ms).toBe(300);
    expect(two.achievedRate).toBe(800);
    expect(stepVerdict(two)).toMatch(/p99 300 ms/);
  });

  it('counts a repeat with no answer as infinitely slow, and keeps the generator’s highest CPU', () => {
    const c = combineSteps([report(0, null, 0.2), report(0, null, 0.9), report(1000, 10, 0.3)]);
    expect(c.latency.p99Ms).toBeNull();
    expect(c.loadCpuCores).toBe(0.9);
    expect(combineSteps([report(1000, 10)])).toEqual(report(1000, 10));
  });
});

describe('bench options', () => {
  it('defaults to 3 repeats, no pinning, the generator chosen at run time', () => {
    const o = parseArgs(['--quick']);
    expect(o.repeats).toBe(3);
    expect(o.pin).toBe(false);
    expect(o.generator).toBeNull();
    expect(o.wrkThreads).toBe(1);
    const p = parseArgs(['--pin', '--repeats', '5', '--generator', 'node', '--wrk-threads=2']);
    expect([p.pin, p.repeats, p.generator, p.wrkThreads]).toEqual([true, 5, 'node', 2]);
    expect(() => parseArgs(['--generator', 'ab'])).toThrow(/wrk or node/);
    expect(() => parseArgs(['--repeats', '0'])).toThrow(/--repeats/);
  });
});

describe('overload bench, second by second', () => {
  it('counts and takes the p99 of served and shed check-ins by the second they were due', () => {
    const answers = [
      { second: 0, status: 200, ms: 5 },
      { second: 0, status: 503, ms: 2 },
      { second: 0, status: 503, ms: 4 },
      { second: 1, status: 200, ms: 50 },
      { second: 1, status: 0, ms: 9 },
    ];
    const server = [{ cpuShare: 0.5, loopDelayP99Ms: 12, loopDelayMaxMs: 30 }];
    expect(perSecond(answers, 2, server)).toEqual([
      {
        second: 0,
        served: 1,
        shed: 2,
        servedP99Ms: 5,
        shedP99Ms: 4,
        cpuShare: 0.5,
        loopDelayP99Ms: 12,
        loopDelayMaxMs: 30,
      },
      { second: 1, served: 1, shed: 0, servedP99Ms: 50, shedP99Ms: null },
    ]);
  });

  it('reads the event-loop delay from /metrics in ms', () => {
    const text = [
      '# TYPE ringmaster_event_loop_delay_seconds gauge',
      'ringmaster_event_loop_delay_seconds{stat="p50"} 0.0101',
      'ringmaster_event_loop_delay_seconds{stat="p99"} 0.02345',
      'ringmaster_event_loop_delay_seconds{stat="max"} 0.3',
    ].join('\n');
    expect(loopDelayOf(text)).toEqual({ p99Ms: 23.45, maxMs: 300 });
    expect(loopDelayOf('ringmaster_checkins_total{code="200"} 1')).toBeNull();
  });
});
