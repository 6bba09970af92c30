/**
 * The one clock. Domain code takes `now` as data; the shell passes a Clock around.
 * The implementations (the system clock, a scaled clock) live at the edge, in src/clock.ts.
 */
export type Clock = {
  now(): number;
  /**
   * Clock milliseconds per real millisecond (`--time-scale`); absent: 1. A timer that
   * must fire at a clock time (the engine's next evaluation) divides by it.
   */
  readonly scale?: number;
};
