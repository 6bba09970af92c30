import { systemClock } from '../../clock.js';
import type { Clock } from '../../domain/clock.js';
import type { Coordination } from '../../store/coordination.js';
import type { RolloutDriver } from './rollout-driver.js';

export type EngineLoopOptions = {
  /** Real milliseconds between ticks. */
  intervalMs: number;
  /** Real milliseconds a nudge waits after the last tick (default 250). */
  nudgeQuietMs: number;
  onError: (error: unknown) => void;
  onLeadership?: (leading: boolean) => void;
  /** The real clock the quiet interval is measured on (default: the system clock). */
  timerClock?: Clock;
  /**
   * The clock the engine's evaluation times are on (the server's, maybe scaled; default:
   * the system clock): a wake-up for the next one waits (time − now) / its scale.
   */
  clock?: Clock;
  /** Told how long each tick of the leader took, in real milliseconds (the metrics). */
  onTick?: (ms: number) => void;
};

/** What replicas tell the leader over the coordination channel (beside wake-ups). */
type EngineMessage = { engine: 'tick' } | { engine: 'place'; computerIds: string[] };

/** Computer ids per message: a NOTIFY payload must stay under 8,000 bytes. */
const IDS_PER_MESSAGE = 100;

/**
 * Runs the driver on a timer and soon after something marked a deployment due, on
 * the leader only: with several replicas on PostgreSQL, the one holding the advisory
 * lock. If it dies, its connection drops, the lock frees, and another replica takes
 * over at its next tick. Requests never tick: they mark deployments due in the
 * database (any replica) and nudge the leader.
 */
export class EngineLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private leading = false;
  private soon: NodeJS.Timeout | null = null;
  /** The wake-up for the next evaluation time the last tick saw before the next tick. */
  private due: NodeJS.Timeout | null = null;
  private lastRunAt = 0;
  private readonly timerClock: Clock;

  constructor(
    private readonly driver: RolloutDriver,
    private readonly coordination: Coordination,
    private readonly options: EngineLoopOptions,
  ) {
    this.timerClock = options.timerClock ?? systemClock;
    coordination.onMessage((text) => this.receive(text));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.run(), this.options.intervalMs);
    void this.run();
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** An admin changed a deployment: the leader evaluates it at its next tick, soon. */
  async nudge(deploymentId: string): Promise<void> {
    await this.driver.markDue([deploymentId]);
    this.wakeLeader();
  }

  /** A computer reported on these updates: their deployments that placed it are due. */
  async reported(computerId: string, updateIds: readonly string[]): Promise<void> {
    await this.driver.markReported(computerId, updateIds);
    this.wakeLeader();
  }

  /** Computers may have joined a target: the leader places them (here, or told). */
  async joined(computerIds: readonly string[]): Promise<void> {
    if (computerIds.length === 0) return;
    if (await this.lead()) {
      for (const id of computerIds) await this.driver.placeComputer(id);
      return;
    }
    for (let i = 0; i < computerIds.length; i += IDS_PER_MESSAGE) {
      await this.tell({ engine: 'place', computerIds: computerIds.slice(i, i + IDS_PER_MESSAGE) });
    }
  }

  /** One tick now, waiting for it (and for one already running). Tests and the timer call it. */
  async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        this.lastRunAt = this.timerClock.now();
        try {
          if (await this.lead()) {
            const next = await this.driver.tick(this.horizonMs());
            this.options.onTick?.(this.timerClock.now() - this.lastRunAt);
            this.wakeAt(next);
          }
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
    if (this.due) clearTimeout(this.due);
    this.timer = null;
    this.soon = null;
    this.due = null;
    await this.running;
  }

  private async lead(): Promise<boolean> {
    const leading = await this.coordination.tryLead();
    if (leading !== this.leading) {
      this.leading = leading;
      if (leading) this.driver.takeOver();
      this.options.onLeadership?.(leading);
    }
    return leading;
  }

  /** Here when leading, else over the channel to the replica that leads. */
  private wakeLeader(): void {
    if (this.leading) this.tickSoon();
    else void this.tell({ engine: 'tick' }).catch(this.options.onError);
  }

  /**
   * A tick soon, once. A fleet reporting all at once must not make the engine run
   * back to back, so it waits for the rest of the quiet interval since the last tick.
   */
  private tickSoon(): void {
    if (this.soon || !this.timer) return;
    const wait = Math.max(50, this.lastRunAt + this.options.nudgeQuietMs - this.timerClock.now());
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.run();
    }, wait);
  }

  /** How far ahead of now (on the engine's clock) the next interval tick comes. */
  private horizonMs(): number {
    return this.timer ? this.options.intervalMs * this.scale() : 0;
  }

  private scale(): number {
    return this.options.clock?.scale ?? 1;
  }

  /**
   * A tick at `at` (engine clock), when it comes before the next interval tick: the end
   * of a soak or a phase's start time is acted on when it comes, not up to one interval
   * later (at --time-scale 150 an interval of 1 s is 150 s of the rollout).
   */
  private wakeAt(at: number | null): void {
    if (this.due) clearTimeout(this.due);
    this.due = null;
    if (at === null || !this.timer) return;
    const now = (this.options.clock ?? systemClock).now();
    const wait = Math.max(1, Math.ceil((at - now) / this.scale()));
    this.due = setTimeout(() => {
      this.due = null;
      void this.run();
    }, wait);
  }

  private tell(message: EngineMessage): Promise<void> {
    return this.coordination.publish(JSON.stringify(message));
  }

  private receive(text: string): void {
    let message: Partial<EngineMessage> & { computerIds?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.engine === 'tick') {
      if (this.leading) this.tickSoon();
    } else if (message.engine === 'place' && Array.isArray(message.computerIds)) {
      const ids = message.computerIds.filter((id): id is string => typeof id === 'string');
      void this.placeIfLeading(ids).catch(this.options.onError);
    }
  }

  private async placeIfLeading(computerIds: readonly string[]): Promise<void> {
    if (!this.leading || !(await this.lead())) return;
    for (const id of computerIds) await this.driver.placeComputer(id);
  }
}
