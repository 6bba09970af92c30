import { AgentCore } from '../agent/core/agent-core.js';
import type { AgentCredential, ServerClient, WakeStatus } from '../agent/core/server-client.js';
import type { Clock } from '../domain/clock.js';
import {
  describeFaults,
  downAt,
  onlineAt,
  planFaults,
  type ComputerFaults,
  type FaultSpec,
} from './faults.js';
import { TimeHeap } from './heap.js';
import { deriveSeed, mulberry32Step } from './rng.js';
import { SimServerClient, type CallCounters } from './sim-client.js';
import { ManifestIndex, SimComputer, SimHost, type SimContext } from './sim-host.js';

export interface FleetOptions {
  /** The real client (real HTTP to the real server), shared by every computer. */
  client: ServerClient;
  enrollmentToken: string;
  agents: number;
  seed: number;
  /** Round-robin over the computers; empty: no site. */
  sites: readonly string[];
  faults: readonly FaultSpec[];
  /** Mean virtual seconds an install takes (each is jittered ±50%). */
  installSeconds: number;
  /**
   * Mean virtual seconds the person at a computer takes to approve a download or an
   * install the policy asks about (±50%); default 600.
   */
  approvalSeconds?: number;
  /** Virtual seconds the fault schedules cover. */
  horizonSeconds: number;
  /** The first check-ins are spread over this many virtual seconds. */
  rampSeconds: number;
  /** At most this many cycles run at once (installs waiting on virtual time do not count). */
  concurrency: number;
  /** The virtual clock, shared with the server. */
  clock: Clock;
  /** Virtual seconds per real second: turns virtual waits into timers. */
  timeScale: number;
  hostnamePrefix?: string;
  agentVersion?: string;
  /** Send each report as it happens (default true), as the real agent does. */
  flushEachReport?: boolean;
  /**
   * Hold the push channel (`--push`): after its first successful cycle each online
   * computer keeps `GET /agent/v1/computers/:id/wake` open, and every `event: checkin`
   * makes its next cycle due now (coalesced, through the scheduler and its concurrency
   * cap). The stream closes while the computer is off, stopped, cut off or re-imaged,
   * and opens again after its next successful cycle.
   */
  push?: PushOptions;
}

export interface PushOptions {
  /**
   * The client the streams go through (its `wake`): give it its own undici Agent with a
   * connection per stream, so the streams do not take the connections the check-ins use.
   */
  client: ServerClient;
  /**
   * Only the first `limit` computers hold the channel (default: all). Each stream is an
   * open socket, and a process may have 20,000 open files: above ~18,000 pushed
   * computers run several sim processes (different --hostname-prefix).
   */
  limit?: number;
}

/**
 * The push channel as the benchmark reads it (`Fleet.pushStats()`). Per computer (by
 * index), epoch ms of the first wake since the last `resetPushStats()`, of the start of
 * its first cycle after that wake, of its first report the server acknowledged after it
 * (from then on the server no longer counts it pending), and of its first `installed`
 * report after it; 0: not yet. `real*` on the wall clock, `virtual*` on the shared
 * virtual clock (the same at --time-scale 1).
 */
export interface PushStats {
  /** Computers whose stream is connected now (the server's /healthz `pushConnected`). */
  connected: number;
  /** Computers holding a stream, connected or (re)connecting. */
  holding: number;
  /** `event: checkin` received, all told. */
  wakes: number;
  /**
   * Computers holding the channel when the first wake since the reset came: the online
   * computers a wake can reach, which `pushReach` counts against.
   */
  holdingAtFirstWake: number;
  woken: number;
  started: number;
  reported: number;
  installed: number;
  realWokenAt: Float64Array;
  realStartedAt: Float64Array;
  realReportedAt: Float64Array;
  realInstalledAt: Float64Array;
  virtualWokenAt: Float64Array;
  virtualStartedAt: Float64Array;
  virtualReportedAt: Float64Array;
  virtualInstalledAt: Float64Array;
}

/** How fast a wake reached the fleet: seconds from `since` until `share` of the computers. */
export interface PushReach {
  /** Out of how many computers (default: those holding the channel at the first wake). */
  of: number;
  woken: number | null;
  started: number | null;
  reported: number | null;
  installed: number | null;
}

/** The state of each computer as the summary counts it. */
const enum Seen {
  NotStarted = 0,
  Online = 1,
  Offline = 2,
  Stopped = 3,
  Unreachable = 4,
  Error = 5,
}

export interface FleetStats {
  /** Virtual now. */
  at: string;
  realSeconds: number;
  agents: number;
  online: number;
  offline: number;
  stopped: number;
  unreachable: number;
  errors: number;
  notStarted: number;
  running: number;
  sleeping: number;
  cycles: number;
  cyclesPerSecond: number;
  checkins: number;
  checkinsPerSecond: number;
  enrolls: number;
  reimaged: number;
  unreachableCalls: number;
  /** agent-stopped / server-unreachable events the check-ins carried. */
  events: number;
  /** Reports the server acknowledged, by state. */
  reports: Record<string, number>;
  lastError: string | null;
  /** With --push: computers whose push stream is connected now. */
  pushConnected?: number;
  /** With --push: computers woken / started a cycle / reported / installed since the wake. */
  pushWoken?: number;
  pushStarted?: number;
  pushReported?: number;
  pushInstalled?: number;
  /** With --push: when the first wake since the reset came (real time), or null. */
  pushFirstWakeAt?: string | null;
  /** With --push: real seconds from the first wake until 95% of the online computers… */
  push95StartedSeconds?: number | null;
  push95InstalledSeconds?: number | null;
}

const FIRST_BACKOFF_SECONDS = 5;
const DEFAULT_INTERVAL_SECONDS = 300;
/** An agent starts this long after its computer boots (virtual seconds). */
const BOOT_DELAY = [30, 120] as const;
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
    events: 0,
  };
  private active = 0;
  private cycles = 0;
  private reimaged = 0;
  private interval = DEFAULT_INTERVAL_SECONDS;
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private immediate: NodeJS.Immediate | null = null;
  private running = false;
  private stopping = false;
  private idleWaiters: (() => void)[] = [];
  private readonly realStart = Date.now();
  private rate = { at: Date.now(), cycles: 0, checkins: 0 };
  private readonly pushLimit: number;
  /** When each computer's stream closes for a fault (virtual ms, computer index). */
  private readonly downHeap = new TimeHeap();
  /** When a network cut ends and the stream reconnects (virtual ms, computer index). */
  private readonly reopenHeap = new TimeHeap();
  private readonly pushed: PushStats | null;

  constructor(private readonly options: FleetOptions) {
    const { seed, agents, sites } = options;
    this.startMs = options.clock.now();
    this.plan = planFaults({
      seed,
      agents,
      specs: options.faults,
      horizonSeconds: options.horizonSeconds,
    });
    const prefix = options.hostnamePrefix ?? 'sim';
    const hw = deriveSeed(seed, 'hardware').toString(16).padStart(8, '0');
    this.computers = new Array<SimComputer>(agents);
    for (let i = 0; i < agents; i++) {
      let rng = deriveSeed(seed, `computer:${i}`);
      const disk = mulberry32Step(rng);
      const boot = mulberry32Step(disk.state);
      rng = boot.state;
      this.computers[i] = new SimComputer(
        i,
        `${prefix}-${String(i + 1).padStart(5, '0')}`,
        `SIM-${hw}-${String(i + 1).padStart(7, '0')}`,
        sites.length > 0 ? (sites[i % sites.length] ?? null) : null,
        10_000 + Math.floor(disk.value * 490_000),
        this.plan[i] ?? null,
        this.startMs - Math.floor(boot.value * 30 * 86_400_000),
        rng,
      );
    }
    this.seen = new Uint8Array(agents);
    this.pushLimit = options.push ? Math.min(agents, options.push.limit ?? agents) : 0;
    this.pushed = options.push ? emptyPushStats(this.pushLimit) : null;
    this.ctx = {
      index: this.index,
      now: () => options.clock.now(),
      sleep: (ms) => this.sleep(ms),
      installMs: (c) => options.installSeconds * 1000 * (0.5 + this.random(c)),
      approvalMs: (c) => (options.approvalSeconds ?? 600) * 1000 * (0.5 + this.random(c)),
      agentVersion: options.agentVersion ?? 'sim',
      reported: this.pushed ? (c, state) => this.reported(c, state) : undefined,
    };
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
      c.wakeAt = this.startMs + Math.floor(this.random(c) * ramp);
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
    for (const c of this.computers) if (c.push) this.closePush(c);
    if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** The push channel so far (null without `push`); see PushStats. */
  pushStats(): PushStats | null {
    return this.pushed;
  }

  /** Forgets the wakes so far: the next one counts as the first (one benchmark round). */
  resetPushStats(): void {
    const p = this.pushed;
    if (!p) return;
    const fresh = emptyPushStats(this.pushLimit);
    Object.assign(p, { ...fresh, connected: p.connected, holding: p.holding });
  }

  /**
   * Real seconds from `sinceRealMs` (default: the first wake) until `share` (default
   * 0.95) of `of` computers (default: those holding the channel at the first wake) were woken, had
   * started a cycle, had reported and had reported installed; null: not yet.
   */
  pushReach(options: { sinceRealMs?: number; share?: number; of?: number } = {}): PushReach {
    const p = this.pushed;
    const of = options.of ?? p?.holdingAtFirstWake ?? 0;
    const none = { of, woken: null, started: null, reported: null, installed: null };
    if (!p || p.woken === 0) return none;
    const since = options.sinceRealMs ?? firstOf(p.realWokenAt);
    const need = Math.max(1, Math.ceil((options.share ?? 0.95) * of));
    const reach = (times: Float64Array): number | null => {
      const got = times.filter((t) => t !== 0).sort();
      const t = got[need - 1];
      return t === undefined ? null : Math.round(t - since) / 1000;
    };
    return {
      of,
      woken: reach(p.realWokenAt),
      started: reach(p.realStartedAt),
      reported: reach(p.realReportedAt),
      installed: reach(p.realInstalledAt),
    };
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
      faults: o.faults,
      timesAre: 'virtual seconds since the simulation started',
    };
    const lines = this.computers.map((c) =>
      JSON.stringify({
        hostname: c.hostname,
        hardwareId: c.hardwareId,
        site: c.site,
        faults: describeFaults(c.faults),
      }),
    );
    const headText = JSON.stringify(head).slice(0, -1);
    return `${headText},"computers":[\n${lines.join(',\n')}\n]}\n`;
  }

  stats(): FleetStats {
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < this.seen.length; i++) {
      const s = this.seen[i] as number;
      counts[s] = (counts[s] ?? 0) + 1;
    }
    const realNow = Date.now();
    const dt = Math.max(1, realNow - this.rate.at) / 1000;
    const stats: FleetStats = {
      at: new Date(this.options.clock.now()).toISOString(),
      realSeconds: Math.round((realNow - this.realStart) / 100) / 10,
      agents: this.computers.length,
      online: counts[Seen.Online] ?? 0,
      offline: counts[Seen.Offline] ?? 0,
      stopped: counts[Seen.Stopped] ?? 0,
      unreachable: counts[Seen.Unreachable] ?? 0,
      errors: counts[Seen.Error] ?? 0,
      notStarted: counts[Seen.NotStarted] ?? 0,
      running: this.active,
      sleeping: this.sleepers.size,
      cycles: this.cycles,
      cyclesPerSecond: Math.round((this.cycles - this.rate.cycles) / dt),
      checkins: this.counters.checkins,
      checkinsPerSecond: Math.round((this.counters.checkins - this.rate.checkins) / dt),
      enrolls: this.counters.enrolls,
      reimaged: this.reimaged,
      unreachableCalls: this.counters.unreachable,
      events: this.counters.events,
      reports: { ...this.counters.reports },
      lastError: this.lastError,
    };
    const p = this.pushed;
    if (p) {
      const reach = this.pushReach();
      stats.pushConnected = p.connected;
      stats.pushWoken = p.woken;
      stats.pushStarted = p.started;
      stats.pushReported = p.reported;
      stats.pushInstalled = p.installed;
      stats.pushFirstWakeAt = p.woken === 0 ? null : new Date(firstOf(p.realWokenAt)).toISOString();
      stats.push95StartedSeconds = reach.started;
      stats.push95InstalledSeconds = reach.installed;
    }
    this.rate = { at: realNow, cycles: this.cycles, checkins: this.counters.checkins };
    return stats;
  }

  private get scale(): number {
    return this.options.timeScale;
  }

  private random(c: SimComputer): number {
    const step = mulberry32Step(c.rng);
    c.rng = step.state;
    return step.value;
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
      this.downHeap.peekTime(),
      this.reopenHeap.peekTime(),
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
    while (this.downHeap.size > 0 && this.downHeap.peekTime() <= now) {
      const at = this.downHeap.peekTime();
      const c = this.computers[this.downHeap.pop()];
      if (c?.push && c.downAt === at) this.down(c, now);
    }
    while (this.reopenHeap.size > 0 && this.reopenHeap.peekTime() <= now) {
      const c = this.computers[this.reopenHeap.pop()];
      if (!c || c.push || this.seen[c.index] !== Seen.Online) continue;
      // Back, unless something else keeps it away (then its next good cycle reopens).
      const s = (now - this.startMs) / 1000;
      if (downAt(c.faults, s, this.startMs) > s) this.openPush(c);
    }
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
    const p = this.pushed;
    if (p && c.index < this.pushLimit && p.realWokenAt[c.index] !== 0) {
      if (p.realStartedAt[c.index] === 0) {
        p.realStartedAt[c.index] = Date.now();
        p.virtualStartedAt[c.index] = this.options.clock.now();
        p.started++;
      }
    }
    let next: number;
    try {
      next = await this.runOne(c);
    } catch (error) {
      this.lastError = `${c.hostname}: ${error instanceof Error ? error.message : String(error)}`;
      this.seen[c.index] = Seen.Error;
      next = this.options.clock.now() + this.interval * 1000;
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

  /** One wake of one computer; returns when it wakes next (virtual ms, or Infinity). */
  private async runOne(c: SimComputer): Promise<number> {
    const clock = this.options.clock;
    const now = clock.now();
    const s = (now - this.startMs) / 1000;
    const at = (seconds: number) => this.startMs + seconds * 1000;
    const boot = () => (BOOT_DELAY[0] + this.random(c) * (BOOT_DELAY[1] - BOOT_DELAY[0])) * 1000;
    c.applyRestart(now);
    const f = c.faults;

    if (f?.reimage) {
      const back = at(f.reimage.atSeconds + f.reimage.downSeconds);
      if (!c.reimaged && s >= f.reimage.atSeconds) {
        c.wipe(back);
        c.reimaged = true;
        this.reimaged++;
      }
      if (c.reimaged && now < back) {
        this.closePush(c);
        this.seen[c.index] = Seen.Offline;
        return back + boot();
      }
    }
    if (f?.offline) {
      const on = onlineAt(f.offline, s, this.startMs);
      if (on > s) {
        this.closePush(c);
        this.seen[c.index] = Seen.Offline;
        return Number.isFinite(on) ? at(on) + boot() : Number.POSITIVE_INFINITY;
      }
    }
    const host = new SimHost(c, this.ctx);
    const core = (now: () => number) =>
      new AgentCore({
        host,
        client: new SimServerClient(this.options.client, c, this.ctx, this.counters, this.startMs),
        enrollmentToken: this.options.enrollmentToken,
        now: () => new Date(now()),
        flushEachReport: this.options.flushEachReport ?? true,
        // A stop that comes while a cycle runs ends it before the next assignment (SIGTERM).
        shouldStop: () =>
          this.stopping ||
          (c.stopPhase === 0 &&
            f?.agentStopped !== undefined &&
            clock.now() >= at(f.agentStopped.from)),
      });

    if (f?.agentStopped) {
      // The agent service stops (SIGTERM from a user or maintenance) and maybe starts
      // again: the core records both, and tells the server at the next check-in.
      const { from, to, detail } = f.agentStopped;
      if (c.stopPhase === 0 && s >= from) {
        await core(() => at(from)).stopped(detail);
        c.stopPhase = 1;
      }
      if (c.stopPhase === 1) {
        if (to === null || s < to) {
          this.closePush(c);
          this.seen[c.index] = Seen.Stopped;
          return to === null ? Number.POSITIVE_INFINITY : at(to);
        }
        await core(() => at(to)).started();
        c.stopPhase = 2;
      }
    }

    const result = await core(() => clock.now()).runCycle();
    const end = clock.now();
    if (result.outcome === 'ok') {
      this.seen[c.index] = Seen.Online;
      if (this.pushed && !c.push && c.index < this.pushLimit) this.openPush(c);
      this.interval = result.nextCheckinSeconds;
      c.backoff = 0;
      let next = end + result.nextCheckinSeconds * 1000 * (0.8 + 0.4 * this.random(c));
      if (c.restartAt !== 0) next = Math.min(next, c.restartAt + boot());
      const due = result.nextDueAt === null ? Number.NaN : Date.parse(result.nextDueAt);
      if (due > end) next = Math.min(next, due);
      // The agent notices the person's answer at its next cycle.
      for (const a of c.approvals ?? []) next = Math.min(next, Math.max(a.at, end + 1000));
      return next;
    }
    this.lastError = `${c.hostname}: ${result.message}`;
    if (!result.transient) {
      this.seen[c.index] = Seen.Error;
      return end + this.interval * 1000;
    }
    this.seen[c.index] = Seen.Unreachable;
    c.backoff = c.backoff === 0 ? FIRST_BACKOFF_SECONDS : Math.min(c.backoff * 2, this.interval);
    return end + c.backoff * 1000 * (0.8 + 0.4 * this.random(c));
  }

  /** Opens this computer's push stream (after a successful cycle, so it has its credential). */
  private openPush(c: SimComputer): void {
    const client = this.options.push?.client;
    const auth = parseCredential(c.credential);
    if (!client?.wake || !auth || this.stopping) return;
    const controller = new AbortController();
    c.push = controller;
    c.pushUp = false;
    const p = this.pushed as PushStats;
    p.holding++;
    client
      .wake(
        auth,
        () => this.woken(c, controller),
        controller.signal,
        (status) => this.pushStatus(c, controller, status),
      )
      .catch((error: unknown) => {
        // Refused (the credential no longer counts): tried again after the next good cycle.
        this.lastError = `${c.hostname}: push channel: ${error instanceof Error ? error.message : String(error)}`;
      })
      .finally(() => {
        if (c.push === controller) this.closePush(c);
      });
    // The stream closes when the fault model takes the computer away.
    const now = this.options.clock.now();
    const down = downAt(c.faults, (now - this.startMs) / 1000, this.startMs);
    if (Number.isFinite(down)) {
      c.downAt = this.startMs + down * 1000;
      this.downHeap.push(c.downAt, c.index);
      this.schedule();
    }
  }

  /**
   * The fault model takes the computer away: its stream closes. After a network cut
   * the agent reconnects by itself (it never stopped); after the rest it checks in
   * first when it is back, and its successful cycle reopens the stream.
   */
  private down(c: SimComputer, now: number): void {
    this.closePush(c);
    const cut = c.faults?.serverUnreachable;
    const s = (now - this.startMs) / 1000;
    if (cut && s >= cut.from && s < cut.to)
      this.reopenHeap.push(this.startMs + cut.to * 1000, c.index);
  }

  private closePush(c: SimComputer): void {
    const controller = c.push;
    if (!controller) return;
    const p = this.pushed as PushStats;
    c.push = null;
    c.downAt = 0;
    if (c.pushUp) p.connected--;
    c.pushUp = false;
    p.holding--;
    controller.abort();
  }

  private pushStatus(c: SimComputer, controller: AbortController, status: WakeStatus): void {
    if (c.push !== controller) return;
    const p = this.pushed as PushStats;
    const up = status.type === 'connected';
    if (up !== c.pushUp) p.connected += up ? 1 : -1;
    c.pushUp = up;
  }

  /** `event: checkin`: the computer's next cycle is due now (once, however many come). */
  private woken(c: SimComputer, controller: AbortController): void {
    if (c.push !== controller) return;
    const p = this.pushed as PushStats;
    const i = c.index;
    p.wakes++;
    if (p.realWokenAt[i] === 0) {
      if (p.woken === 0) p.holdingAtFirstWake = p.holding;
      p.realWokenAt[i] = Date.now();
      p.virtualWokenAt[i] = this.options.clock.now();
      p.woken++;
    }
    if (!this.running) return;
    if (c.busy) {
      c.wakePending = true;
      return;
    }
    const now = this.options.clock.now();
    if (c.wakeAt <= now) return; // already due, waiting for a free slot
    c.wakeAt = now;
    this.wakeHeap.push(now, i);
    this.schedule();
  }

  private reported(c: SimComputer, state: string): void {
    const p = this.pushed as PushStats;
    const i = c.index;
    if (i >= this.pushLimit || p.realWokenAt[i] === 0) return;
    if (p.realReportedAt[i] === 0) {
      p.realReportedAt[i] = Date.now();
      p.virtualReportedAt[i] = this.options.clock.now();
      p.reported++;
    }
    if (state === 'installed' && p.realInstalledAt[i] === 0) {
      p.realInstalledAt[i] = Date.now();
      p.virtualInstalledAt[i] = this.options.clock.now();
      p.installed++;
    }
  }
}

function emptyPushStats(n: number): PushStats {
  return {
    connected: 0,
    holding: 0,
    wakes: 0,
    holdingAtFirstWake: 0,
    woken: 0,
    started: 0,
    reported: 0,
    installed: 0,
    realWokenAt: new Float64Array(n),
    realStartedAt: new Float64Array(n),
    realReportedAt: new Float64Array(n),
    realInstalledAt: new Float64Array(n),
    virtualWokenAt: new Float64Array(n),
    virtualStartedAt: new Float64Array(n),
    virtualReportedAt: new Float64Array(n),
    virtualInstalledAt: new Float64Array(n),
  };
}

/** The earliest non-zero time. */
function firstOf(times: Float64Array): number {
  let first = Number.POSITIVE_INFINITY;
  for (const t of times) if (t !== 0 && t < first) first = t;
  return first;
}

/** The core keeps its credential as JSON in the durable store. */
function parseCredential(text: string | null): AgentCredential | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<AgentCredential>;
    return typeof value.computerId === 'string' && typeof value.credential === 'string'
      ? { computerId: value.computerId, credential: value.credential }
      : null;
  } catch {
    return null;
  }
}
