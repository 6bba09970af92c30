import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from './clock.js';

/**
 * Keeps one transfer at or under a bandwidth limit: after each chunk it waits until the
 * bytes so far are no ahead of `bytesPerSecond` since the transfer began. One pacer per
 * transfer, so time spent idle between transfers earns no burst.
 */
export class Pacer {
  private readonly started: number;
  private bytes = 0;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly clock: Clock = systemClock,
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {
    this.started = clock.now();
  }

  /** Counts `bytes` more and waits as long as that puts the transfer ahead of its rate. */
  async passed(bytes: number): Promise<void> {
    this.bytes += bytes;
    const ahead = this.started + (this.bytes / this.bytesPerSecond) * 1000 - this.clock.now();
    if (ahead > 0) await this.wait(ahead);
  }
}
