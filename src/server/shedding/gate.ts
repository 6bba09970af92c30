import {
  ADAPT_PERIOD_MS,
  adaptRate,
  admit,
  fullBucket,
  startRate,
  takeToken,
  type AdaptiveRate,
  type Bucket,
  type ClassLimits,
  type RateLimit,
} from './admission.js';

type Waiter = { grant(): void };

/**
 * The slots of one route class: `enter` resolves true once the request may run (at once
 * or after a short wait in the queue), false when it is shed; every true is paired with
 * one `leave`, which hands the slot to the oldest waiter.
 */
export class Gate {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private bucket: Bucket | null;
  /** The rate in force (the configured one, or where the adaptive one stands). */
  private rate: RateLimit | null;
  /** Where the adaptive rate stands (null: a fixed rate, or none). */
  private adaptive: AdaptiveRate | null;
  private adaptedAt: number;

  constructor(
    private readonly limits: ClassLimits,
    private readonly queueWaitMs: number,
    /** How far the event loop lags behind now (ms). */
    private readonly lagMs: () => number = () => 0,
    /** A monotonic clock (ms), for the rate rule. */
    private readonly now: () => number = () => performance.now(),
  ) {
    const ceiling = limits.rate;
    this.adaptive = ceiling?.targetLagMs === undefined ? null : startRate(ceiling.perSecond);
    this.rate = ceiling ? this.rateAt(ceiling, this.adaptive) : null;
    this.bucket = this.rate ? fullBucket(this.rate, now()) : null;
    this.adaptedAt = now();
  }

  /** Check-ins (or …) admitted per second now; null without a rate rule. */
  get ratePerSecond(): number | null {
    return this.rate?.perSecond ?? null;
  }

  /**
   * The rate in force: the ceiling, or where the adaptive one stands, in bursts of a
   * tenth of a second of it (unless one was configured).
   */
  private rateAt(ceiling: RateLimit, adaptive: AdaptiveRate | null): RateLimit {
    if (!adaptive) return ceiling;
    const perSecond = adaptive.perSecond;
    return { ...ceiling, perSecond, burst: ceiling.burst ?? Math.max(1, perSecond / 10) };
  }

  private currentRate(now: number): RateLimit | null {
    const ceiling = this.limits.rate;
    if (!ceiling || !this.adaptive || ceiling.targetLagMs === undefined) return this.rate;
    if (now - this.adaptedAt >= ADAPT_PERIOD_MS) {
      this.adaptedAt = now;
      this.adaptive = adaptRate(
        this.adaptive,
        ceiling.perSecond,
        this.lagMs(),
        ceiling.targetLagMs,
      );
      this.rate = this.rateAt(ceiling, this.adaptive);
    }
    return this.rate;
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  enter(): Promise<boolean> {
    // The rate rule first: over its rate the class is shed before anything is counted.
    const now = this.now();
    const rate = this.currentRate(now);
    if (this.bucket && rate) {
      const taken = takeToken(this.bucket, rate, now);
      this.bucket = taken.bucket;
      if (!taken.admitted) return Promise.resolve(false);
    }
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
