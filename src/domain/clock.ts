/** The one clock. Domain code takes `now` as data; the shell passes a Clock around. */
export type Clock = { now(): number };

export const systemClock: Clock = { now: () => Date.now() };
