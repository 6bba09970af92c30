import { describeFaults, planFaults, type ComputerFaults } from './faults.js';
import { TimeHeap } from './heap.js';
import { BOOT_DELAY, createComputers, Lifecycle, random } from './lifecycle.js';
import type { FleetOptions } from './options.js';
import { PushChannel, type PushReach, type PushStats } from './push.js';
import type { CallCounters } from './sim-client.js';
import { ManifestIndex, type SimComputer, type SimContext } from './sim-host.js';
import { pushReach, Seen, StatsMeter, type FleetStats } from './stats.js';
import { InstallTimeline, type InstallSteps } from './timeline.js';

export type { PushOptions, PushReach, PushStats } from './push.js';
export type { FleetOptions } from './options.js';
export type { FleetStats } from './stats.js';
export type { InstallSteps } from './timeline.js';

/** The longest real wait of the scheduler's timer, so it notices clock drift. */
const MAX_TIMER_MS = 1000;

/**
 * A fleet of simulated computers, each the real AgentCore on a SimHost, driven by one
 * scheduler: a heap of next wake times (no per-computer timers) and a bounded number
 * of cycles at once.
 */
export class Fleet {
  readonly computers: SimComputer[];
  readonly index = new ManifestIndex();
  readonly startMs: number;
  private readonly plan: (ComputerFaults | null)[];
  private readonly wakeHeap = new TimeHeap();
  private readonly sleepHeap = new TimeHeap();
  private readonly sleepers = new Map<number, () => void>();
  private nextSleeper = 0;
  private readonly seen: Uint8Array;
  private readonly ctx: SimContext;
  private readonly counters: CallCounters = {
    enrolls: 0,
    checkins: 0,
    reportCalls: 0,
    reports: {},
    downloads: 0,
    unreachable: 0,
    absences: 0,
  };
  private active = 0;
  private cycles = 0;
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private immediate: NodeJS.Immediate | null = null;
  private running = false;
  private stopping = false;
  private idleWaiters: (() => void)[] = [];
  private readonly meter = new StatsMeter();
  /** The push channel (null without `push`). */
  private readonly channel: PushChannel | null;
  private readonly lifecycle: Lifecycle;
  /** Where each computer's first install spent its time (`timeline()`). */
  private readonly steps: InstallTimeline;

  constructor(private readonly options: FleetOptions) {
    const { seed, agents } = options;
    this.startMs = options.clock.now();
    this.plan = planFaults({
      seed,
      agents,
      specs: options.faults,
      horizonSeconds: options.horizonSeconds,
    });
    this.computers = createComputers(options, this.plan, this.startMs);
    this.seen = new Uint8Array(agents);
    const channel = options.push
      ? new PushChannel(options.push.client, Math.min(agents, options.push.limit ?? agents), {
          clock: options.clock,
          startMs: this.startMs,
          computers: this.computers,
          seen: this.seen,
          stopping: () => this.stopping,
          error: (message) => (this.lastError = message),
          wake: (c) => this.wakeNow(c),
          schedule: () => this.schedule(),
        })
      : null;
    this.channel = channel;
    const steps = (this.steps = new InstallTimeline(agents));
    this.ctx = {
      index: this.index,
      now: () => options.clock.now(),
      sleep: (ms) => this.sleep(ms),
      installMs: (c) => options.installSeconds * 1000 * (0.5 + random(c)),
      approvalMs: (c) => (options.approvalSeconds ?? 600) * 1000 * (0.5 + random(c)),
      agentVersion: options.agentVersion ?? 'sim',
      reported: (c, state) => {
        channel?.reported(c, state);
        if (state === 'installed') steps.installedReported(c.index, options.clock.now());
      },
      timeline: steps,
    };
    this.lifecycle = new Lifecycle({
      options,
      startMs: this.startMs,
      ctx: this.ctx,
      counters: this.counters,
      seen: this.seen,
      channel,
      timeline: steps,
      stopping: () => this.stopping,
      error: (message) => (this.lastError = message),
    });
  }

  /** Virtual now, on the clock shared with the server. */
  now(): number {
    return this.options.clock.now();
  }

  /** Starts the computers: their first check-ins spread over the ramp. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const ramp = this.options.rampSeconds * 1000;
    for (const c of this.computers) {
      c.wakeAt = this.startMs + Math.floor(random(c) * ramp);
      this.wakeHeap.push(c.wakeAt, c.index);
    }
    this.schedule();
  }

  /**
   * Stops starting cycles and waits for those running to end (installs waiting on
   * virtual time are dropped).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    for (const c of this.computers) if (c.push) this.channel?.close(c);
    if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** The push channel so far (null without `push`); see PushStats. */
  pushStats(): PushStats | null {
    return this.channel?.stats ?? null;
  }

  /** Forgets the wakes so far: the next one counts as the first (one benchmark round). */
  resetPushStats(): void {
    this.channel?.reset();
  }

  /** Each computer's steps towards its first install (virtual epoch ms; 0: none). */
  timeline(): InstallSteps[] {
    return this.computers.map((c) => this.steps.steps(c.index));
  }

  /**
   * Real seconds from `sinceRealMs` (default: the first wake) until `share` (default
   * 0.95) of `of` computers (default: those holding the channel at the first wake) were woken, had
   * started a cycle, had reported and had reported installed; null: not yet.
   */
  pushReach(options: { sinceRealMs?: number; share?: number; of?: number } = {}): PushReach {
    return pushReach(this.pushStats(), options);
  }

  /** The deterministic truth file: who got which fault, with its parameters and times. */
  truth(): string {
    const o = this.options;
    const head = {
      seed: o.seed,
      agents: o.agents,
      sites: o.sites,
      horizonSeconds: o.horizonSeconds,
      installSeconds: o.installSeconds,
      /** A computer's agent starts its bootSeconds after it comes on (off window, re-image). */
      bootSeconds: { min: BOOT_DELAY[0], max: BOOT_DELAY[1] },
      faults: o.faults,
      timesAre: 'virtual seconds since the simulation started',
    };
    const lines = this.computers.map((c) =>
      JSON.stringify({
        hostname: c.hostname,
        hardwareId: c.hardwareId,
        site: c.site,
        bootSeconds: c.bootSeconds,
        faults: describeFaults(c.faults),
      }),
    );
    const headText = JSON.stringify(head).slice(0, -1);
    return `${headText},"computers":[\n${lines.join(',\n')}\n]}\n`;
  }

  stats(): FleetStats {
    return this.meter.take({
      now: this.options.clock.now(),
      agents: this.computers.length,
      seen: this.seen,
      running: this.active,
      sleeping: this.sleepers.size,
      cycles: this.cycles,
      counters: this.counters,
      reimaged: this.lifecycle.reimaged,
      lastError: this.lastError,
      pushed: this.pushStats(),
    });
  }

  private get scale(): number {
    return this.options.timeScale;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const id = this.nextSleeper++;
      this.sleepers.set(id, resolve);
      this.sleepHeap.push(this.options.clock.now() + ms, id);
      this.active--;
      this.released();
      this.schedule();
    });
  }

  /** Arms the one timer for the earliest thing due (or runs now). */
  private schedule(): void {
    if (!this.running) return;
    let earliest = Math.min(
      this.sleepHeap.peekTime(),
      this.channel?.peekTime() ?? Number.POSITIVE_INFINITY,
    );
    if (this.active < this.options.concurrency)
      earliest = Math.min(earliest, this.wakeHeap.peekTime());
    if (earliest === Number.POSITIVE_INFINITY) return;
    const now = this.options.clock.now();
    if (earliest <= now) {
      this.immediate ??= setImmediate(() => {
        this.immediate = null;
        this.pump();
      });
      return;
    }
    const delay = Math.min(MAX_TIMER_MS, Math.max(1, (earliest - now) / this.scale));
    const fireAt = Date.now() + delay;
    if (this.timer && this.timerAt <= fireAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = fireAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, delay);
  }

  private pump(): void {
    if (!this.running) return;
    const now = this.options.clock.now();
    this.channel?.pump(now);
    while (this.sleepHeap.size > 0 && this.sleepHeap.peekTime() <= now) {
      const id = this.sleepHeap.pop();
      const resolve = this.sleepers.get(id);
      this.sleepers.delete(id);
      if (resolve) {
        this.active++;
        resolve();
      }
    }
    while (
      this.active < this.options.concurrency &&
      this.wakeHeap.size > 0 &&
      this.wakeHeap.peekTime() <= now
    ) {
      const at = this.wakeHeap.peekTime();
      const c = this.computers[this.wakeHeap.pop()];
      if (!c || c.wakeAt !== at) continue; // superseded
      void this.cycle(c);
    }
    this.schedule();
  }

  private async cycle(c: SimComputer): Promise<void> {
    this.active++;
    c.busy = true;
    c.wakePending = false;
    this.steps.cycle(c.index, this.options.clock.now());
    this.channel?.started(c);
    let next: number;
    try {
      next = await this.lifecycle.runOne(c);
    } catch (error) {
      this.lastError = `${c.hostname}: ${error instanceof Error ? error.message : String(error)}`;
      this.seen[c.index] = Seen.Error;
      next = this.options.clock.now() + c.intervalSeconds * 1000;
    }
    this.active--;
    this.cycles++;
    c.busy = false;
    if (c.wakePending) {
      // A wake came while it ran: one more cycle at once, as the real agent does.
      c.wakePending = false;
      next = Math.min(next, this.options.clock.now());
    }
    c.wakeAt = next;
    if (Number.isFinite(next)) this.wakeHeap.push(next, c.index);
    this.released();
    this.schedule();
  }

  private released(): void {
    if (this.active === 0 && this.idleWaiters.length > 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /**
   * `event: checkin` reached this computer: its next cycle is due now (once, however
   * many come).
   */
  private wakeNow(c: SimComputer): void {
    if (!this.running) return;
    this.steps.wake(c.index, this.options.clock.now());
    if (c.busy) {
      c.wakePending = true;
      return;
    }
    const now = this.options.clock.now();
    if (c.wakeAt <= now) return; // already due, waiting for a free slot
    c.wakeAt = now;
    this.wakeHeap.push(now, c.index);
    this.schedule();
  }
}
