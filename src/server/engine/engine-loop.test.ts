import { describe, expect, it, vi } from 'vitest';
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
