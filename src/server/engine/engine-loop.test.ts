import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Coordination } from '../../store/coordination.js';
import { EngineLoop } from './engine-loop.js';
import type { RolloutDriver } from './rollout-driver.js';

/** One channel shared by replicas, and one lock: whoever `leads` says. */
function replicas() {
  const handlers: ((message: string) => void)[] = [];
  const published: string[] = [];
  const replica = (leads: boolean) => {
    const driver = {
      placeComputer: vi.fn(() => Promise.resolve()),
      markDue: vi.fn(() => Promise.resolve()),
      markReported: vi.fn(() => Promise.resolve()),
      tick: vi.fn(() => Promise.resolve()),
      takeOver: vi.fn(),
    };
    const coordination: Coordination = {
      tryLead: () => Promise.resolve(leads),
      publish: (message) => {
        published.push(message);
        for (const h of handlers) h(message);
        return Promise.resolve();
      },
      onMessage: (h) => handlers.push(h),
      onListening: () => undefined,
      close: () => Promise.resolve(),
    };
    const loop = new EngineLoop(driver as unknown as RolloutDriver, coordination, {
      intervalMs: 0,
      nudgeQuietMs: 250,
      onError: (e) => {
        throw e;
      },
    });
    return { driver, loop };
  };
  return { replica, published };
}

describe('the engine loop across replicas', () => {
  it('places joiners on the leader only: a non-leader tells the leader', async () => {
    const { replica, published } = replicas();
    const leader = replica(true);
    const other = replica(false);
    await leader.loop.run(); // takes the lead
    await other.loop.joined(['c1', 'c2']);
    expect(other.driver.placeComputer).not.toHaveBeenCalled();
    expect(published.map((m) => JSON.parse(m) as unknown)).toEqual([
      { engine: 'place', computerIds: ['c1', 'c2'] },
    ]);
    await vi.waitFor(() => expect(leader.driver.placeComputer).toHaveBeenCalledTimes(2));
    expect(leader.driver.placeComputer.mock.calls.map((c: unknown[]) => c[0])).toEqual([
      'c1',
      'c2',
    ]);
  });

  it('a nudge marks the deployment due and never ticks inside the request', async () => {
    const { replica } = replicas();
    const other = replica(false);
    await other.loop.nudge('dep_1');
    expect(other.driver.markDue).toHaveBeenCalledWith(['dep_1']);
    expect(other.driver.tick).not.toHaveBeenCalled();
    const leader = replica(true);
    await leader.loop.nudge('dep_2');
    expect(leader.driver.markDue).toHaveBeenCalledWith(['dep_2']);
    expect(leader.driver.tick).not.toHaveBeenCalled();
  });
});

describe('the engine loop on a scaled clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks when the next evaluation time comes, not at the next interval', async () => {
    vi.useFakeTimers();
    // ×150, as the benchmark runs: an interval of 1 s real is 150 s of the rollout.
    const origin = Date.now();
    const clock = { now: () => origin + (Date.now() - origin) * 150, scale: 150 };
    const soakEnd = clock.now() + 30_000; // 30 virtual seconds: 200 real ms
    const horizons: number[] = [];
    const driver = {
      takeOver: vi.fn(),
      tick: vi.fn((horizonMs: number) => {
        horizons.push(horizonMs);
        return Promise.resolve(clock.now() < soakEnd ? soakEnd : null);
      }),
    };
    const coordination: Coordination = {
      tryLead: () => Promise.resolve(true),
      publish: () => Promise.resolve(),
      onMessage: () => undefined,
      onListening: () => undefined,
      close: () => Promise.resolve(),
    };
    const loop = new EngineLoop(driver as unknown as RolloutDriver, coordination, {
      intervalMs: 1000,
      nudgeQuietMs: 250,
      clock,
      onError: (e) => {
        throw e;
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(driver.tick).toHaveBeenCalledTimes(1);
    // The driver is asked for what comes before the next interval tick (1 s × 150).
    expect(horizons[0]).toBe(150_000);
    await vi.advanceTimersByTimeAsync(190);
    expect(driver.tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(driver.tick).toHaveBeenCalledTimes(2); // at the soak's end, 800 ms early
    await vi.advanceTimersByTimeAsync(790);
    expect(driver.tick).toHaveBeenCalledTimes(3); // the interval tick, as ever
    await loop.stop();
  });
});
