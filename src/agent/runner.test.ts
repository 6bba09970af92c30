import { describe, expect, it } from 'vitest';
import type { CycleResult } from './core/agent-core.js';
import { fail } from './core/cycle.js';
import {
  FIRST_BACKOFF_SECONDS,
  initialRunnerState,
  nextCycleAt,
  RETRY_AFTER_JITTER,
  runLoop,
  type Waiter,
} from './runner.js';

const OK: CycleResult = {
  outcome: 'ok',
  computerId: 'c-1',
  nextCheckinSeconds: 300,
  assignments: [],
  nextDueAt: null,
};

/** A virtual clock: sleeping moves it on, and each wait is written down. */
function virtualWaiter(cycles: number) {
  let now = Date.parse('2026-01-10T09:00:00Z');
  const waits: number[] = [];
  let left = cycles;
  const waiter: Waiter = {
    get stopped() {
      return left === 0;
    },
    nudged: false,
    sleep(ms) {
      waits.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
  return {
    waiter,
    waits,
    now: () => now,
    cycled: () => {
      left -= 1;
    },
  };
}

describe('the runner and a server that sheds', () => {
  it('waits at least the Retry-After, plus jitter, before the next cycle', async () => {
    for (const random of [0, 0.5, 0.999]) {
      const clock = virtualWaiter(3);
      const results = [fail('checkin', true, 'busy', 40), fail('checkin', true, 'busy', 40), OK];
      await runLoop(
        {
          core: {
            runCycle: () => {
              clock.cycled();
              return Promise.resolve(results.shift()!);
            },
          },
          state: initialRunnerState(),
          now: clock.now,
          random: () => random,
        },
        clock.waiter,
        () => {},
      );
      const [first, second] = clock.waits;
      expect(first).toBe(40_000 * (1 + RETRY_AFTER_JITTER * random));
      expect(second).toBe(first);
      expect(first).toBeGreaterThanOrEqual(40_000);
      expect(first).toBeLessThanOrEqual(40_000 * (1 + RETRY_AFTER_JITTER));
    }
  });

  it('spreads a shed fleet: different draws, different waits', () => {
    const now = 0;
    const at = (random: number) =>
      nextCycleAt(initialRunnerState(), fail('checkin', true, 'busy', 10), now, () => random);
    expect(new Set([0, 0.25, 0.5, 0.75].map(at)).size).toBe(4);
  });

  it('keeps its own backoff when it is longer than the Retry-After', () => {
    const state = initialRunnerState();
    state.backoffSeconds = 40;
    expect(nextCycleAt(state, fail('checkin', true, 'busy', 1), 0, () => 0.5)).toBe(40_000);
  });

  it('without a Retry-After, backs off from the first step as before', () => {
    const at = nextCycleAt(initialRunnerState(), fail('checkin', true, 'down'), 0, () => 0.5);
    expect(at).toBe(FIRST_BACKOFF_SECONDS * 1000);
  });
});

describe('the runner when the agent starts', () => {
  it('checks in at once, before any wait', async () => {
    const clock = virtualWaiter(2);
    const started = clock.now();
    const cycleTimes: number[] = [];
    await runLoop(
      {
        core: {
          runCycle: () => {
            cycleTimes.push(clock.now());
            clock.cycled();
            return Promise.resolve(OK);
          },
        },
        state: initialRunnerState(),
        now: clock.now,
        random: () => 0.5,
      },
      clock.waiter,
      () => undefined,
    );
    // The first cycle at the start itself; the next one the server's interval later.
    expect(cycleTimes[0]).toBe(started);
    expect(clock.waits[0]).toBe(300_000);
    expect(cycleTimes[1]).toBe(started + 300_000);
  });
});
