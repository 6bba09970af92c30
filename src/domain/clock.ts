/** The one clock. Domain code takes `now` as data; the shell passes a Clock around. */
export type Clock = { now(): number };

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that runs `scale` times faster than real time from `origin` (epoch ms):
 * the simulator and the server share one so a week of rollout passes in minutes.
 */
export function scaledClock(scale: number, origin: number, real: Clock = systemClock): Clock {
  if (scale === 1) return real;
  return { now: () => Math.round(origin + (real.now() - origin) * scale) };
}
