import { admit, type ClassLimits } from './admission.js';

type Waiter = { grant(): void };

/**
 * The slots of one route class: `enter` resolves true once the request may run (at once
 * or after a short wait in the queue), false when it is shed; every true is paired with
 * one `leave`, which hands the slot to the oldest waiter.
 */
export class Gate {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly limits: ClassLimits,
    private readonly queueWaitMs: number,
    /** How far the event loop lags behind now (ms). */
    private readonly lagMs: () => number = () => 0,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  enter(): Promise<boolean> {
    const counts = { inFlight: this.running, queued: this.waiting.length, lagMs: this.lagMs() };
    switch (admit(counts, this.limits)) {
      case 'run':
        this.running += 1;
        return Promise.resolve(true);
      case 'shed':
        return Promise.resolve(false);
      case 'queue':
        return new Promise((resolve) => {
          const waiter: Waiter = {
            grant: () => {
              clearTimeout(timer);
              resolve(true);
            },
          };
          const timer = setTimeout(() => {
            this.waiting.splice(this.waiting.indexOf(waiter), 1);
            resolve(false);
          }, this.queueWaitMs);
          this.waiting.push(waiter);
        });
    }
  }

  leave(): void {
    const next = this.waiting.shift();
    // The slot passes to the next in line; only with nobody waiting is it freed.
    if (next) next.grant();
    else this.running -= 1;
  }
}
