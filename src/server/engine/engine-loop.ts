import type { Coordination } from '../../store/coordination.js';
import type { RolloutDriver } from './rollout-driver.js';

export type EngineLoopOptions = {
  /** Real milliseconds between ticks. */
  intervalMs: number;
  /** Real milliseconds a nudge waits after the last tick (default 250). */
  nudgeQuietMs: number;
  onError: (error: unknown) => void;
  onLeadership?: (leading: boolean) => void;
};

/**
 * Runs the driver on a timer and soon after status changes, on the leader only:
 * with several replicas on PostgreSQL, the one holding the advisory lock. If it
 * dies, its connection drops, the lock frees, and another replica takes over at
 * its next tick.
 */
export class EngineLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private leading = false;
  private soon: NodeJS.Timeout | null = null;
  private lastRunAt = 0;

  constructor(
    private readonly driver: RolloutDriver,
    private readonly coordination: Coordination,
    private readonly options: EngineLoopOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.run(), this.options.intervalMs);
    void this.run();
  }

  /**
   * Something changed (a report): evaluate soon, once. A fleet reporting all at
   * once must not make the engine run back to back, so nudges wait for the rest
   * of the quiet interval since the last tick.
   */
  nudge(): void {
    if (this.soon || !this.timer) return;
    const wait = Math.max(50, this.lastRunAt + this.options.nudgeQuietMs - Date.now());
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.run();
    }, wait);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** One tick now, waiting for it (and for one already running). */
  async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        this.lastRunAt = Date.now();
        try {
          const leading = await this.coordination.tryLead();
          if (leading !== this.leading) {
            this.leading = leading;
            this.options.onLeadership?.(leading);
          }
          if (leading) await this.driver.tick();
        } catch (error) {
          this.options.onError(error);
        }
      } while (this.again);
    })();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = null;
    this.soon = null;
    await this.running;
  }
}
