import type { Clock } from './domain/clock.js';

export type { Clock };

/** The only place that reads the real time; server, agent and simulator are handed a Clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that runs `scale` times faster than real time from `origin` (epoch ms):
 * the simulator and the server share one so a week of rollout passes in minutes.
 */
export function scaledClock(scale: number, origin: number, real: Clock = systemClock): Clock {
  if (scale === 1) return real;
  return { now: () => Math.round(origin + (real.now() - origin) * scale), scale };
}
