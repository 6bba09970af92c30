import type {
  AgentCredential,
  ServerClient,
  WakeKind,
  WakeStatus,
} from '../agent/core/server-client.js';
import type { Clock } from '../domain/clock.js';
import { downAt } from './faults.js';
import { TimeHeap } from './heap.js';
import type { SimComputer } from './sim-host.js';
import { Seen } from './stats.js';

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

/** What the push channel needs from the fleet that runs it. */
export interface PushHost {
  readonly clock: Clock;
  readonly startMs: number;
  readonly computers: readonly SimComputer[];
  /** The state of each computer as the summary counts it (`Seen`). */
  readonly seen: Uint8Array;
  /** The fleet is stopping: no stream opens any more. */
  stopping(): boolean;
  /** Records the fleet's last error. */
  error(message: string): void;
  /** `event: checkin` reached this computer: its next cycle is due now. */
  wake(c: SimComputer): void;
  /** Arms the scheduler's timer for the earliest thing due. */
  schedule(): void;
}

/**
 * The push channel (`--push`): each online computer's wake stream, when the fault
 * model closes and reopens it, and the stats the benchmark reads.
 */
export class PushChannel {
  readonly stats: PushStats;
  /** When each computer's stream closes for a fault (virtual ms, computer index). */
  private readonly downHeap = new TimeHeap();
  /** When a network cut ends and the stream reconnects (virtual ms, computer index). */
  private readonly reopenHeap = new TimeHeap();

  constructor(
    private readonly client: ServerClient,
    readonly limit: number,
    private readonly host: PushHost,
  ) {
    this.stats = emptyPushStats(limit);
  }

  /** Forgets the wakes so far: the next one counts as the first (one benchmark round). */
  reset(): void {
    const p = this.stats;
    const fresh = emptyPushStats(this.limit);
    Object.assign(p, { ...fresh, connected: p.connected, holding: p.holding });
  }

  /** The earliest stream closing or reopening due (virtual ms, or Infinity). */
  peekTime(): number {
    return Math.min(this.downHeap.peekTime(), this.reopenHeap.peekTime());
  }

  /** Closes and reopens the streams due by `now`. */
  pump(now: number): void {
    const { computers, seen, startMs } = this.host;
    while (this.downHeap.size > 0 && this.downHeap.peekTime() <= now) {
      const at = this.downHeap.peekTime();
      const c = computers[this.downHeap.pop()];
      if (c?.push && c.downAt === at) this.down(c, now);
    }
    while (this.reopenHeap.size > 0 && this.reopenHeap.peekTime() <= now) {
      const c = computers[this.reopenHeap.pop()];
      if (!c || c.push || seen[c.index] !== Seen.Online) continue;
      // Back, unless something else keeps it away (then its next good cycle reopens).
      const s = (now - startMs) / 1000;
      if (downAt(c.faults, s, startMs) > s) this.open(c);
    }
  }

  /** Opens this computer's push stream (after a successful cycle, so it has its credential). */
  open(c: SimComputer): void {
    const client = this.client;
    const auth = parseCredential(c.credential);
    if (!client.wake || !auth || this.host.stopping()) return;
    const controller = new AbortController();
    c.push = controller;
    c.pushUp = false;
    const p = this.stats;
    p.holding++;
    client
      .wake(
        auth,
        (kind) => this.woken(c, controller, kind),
        controller.signal,
        (status) => this.status(c, controller, status),
      )
      .catch((error: unknown) => {
        // Refused (the credential no longer counts): tried again after the next good cycle.
        this.host.error(
          `${c.hostname}: push channel: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => {
        if (c.push === controller) this.close(c);
      });
    // The stream closes when the fault model takes the computer away.
    const { clock, startMs } = this.host;
    const now = clock.now();
    const down = downAt(c.faults, (now - startMs) / 1000, startMs);
    if (Number.isFinite(down)) {
      c.downAt = startMs + down * 1000;
      this.downHeap.push(c.downAt, c.index);
      this.host.schedule();
    }
  }

  /**
   * The fault model takes the computer away: its stream closes. After a network cut
   * the agent reconnects by itself (it never stopped); after the rest it checks in
   * first when it is back, and its successful cycle reopens the stream.
   */
  private down(c: SimComputer, now: number): void {
    this.close(c);
    const cut = c.faults?.serverUnreachable;
    const { startMs } = this.host;
    const s = (now - startMs) / 1000;
    if (cut && s >= cut.from && s < cut.to) this.reopenHeap.push(startMs + cut.to * 1000, c.index);
  }

  close(c: SimComputer): void {
    const controller = c.push;
    if (!controller) return;
    const p = this.stats;
    c.push = null;
    c.downAt = 0;
    if (c.pushUp) p.connected--;
    c.pushUp = false;
    p.holding--;
    controller.abort();
  }

  private status(c: SimComputer, controller: AbortController, status: WakeStatus): void {
    if (c.push !== controller) return;
    const p = this.stats;
    const up = status.type === 'connected';
    if (up !== c.pushUp) p.connected += up ? 1 : -1;
    c.pushUp = up;
  }

  /** `event: checkin`: the computer's next cycle is due now (once, however many come). */
  private woken(c: SimComputer, controller: AbortController, kind: WakeKind): void {
    if (c.push !== controller) return;
    if (kind === 'scan') c.scanAsked = true;
    const p = this.stats;
    const i = c.index;
    p.wakes++;
    if (p.realWokenAt[i] === 0) {
      if (p.woken === 0) p.holdingAtFirstWake = p.holding;
      p.realWokenAt[i] = Date.now();
      p.virtualWokenAt[i] = this.host.clock.now();
      p.woken++;
    }
    this.host.wake(c);
  }

  /** A cycle of this computer starts: its first after the wake counts as started. */
  started(c: SimComputer): void {
    const p = this.stats;
    if (c.index < this.limit && p.realWokenAt[c.index] !== 0) {
      if (p.realStartedAt[c.index] === 0) {
        p.realStartedAt[c.index] = Date.now();
        p.virtualStartedAt[c.index] = this.host.clock.now();
        p.started++;
      }
    }
  }

  reported(c: SimComputer, state: string): void {
    const p = this.stats;
    const i = c.index;
    if (i >= this.limit || p.realWokenAt[i] === 0) return;
    if (p.realReportedAt[i] === 0) {
      p.realReportedAt[i] = Date.now();
      p.virtualReportedAt[i] = this.host.clock.now();
      p.reported++;
    }
    if (state === 'installed' && p.realInstalledAt[i] === 0) {
      p.realInstalledAt[i] = Date.now();
      p.virtualInstalledAt[i] = this.host.clock.now();
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
