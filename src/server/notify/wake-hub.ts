/**
 * What a wake-up asks: `checkin` (check in now) or `scan` (check in and scan now, every
 * finding). Both go as `event: checkin`, the kind in the data: an agent that knows
 * no kind checks in, as before.
 */
export type WakeKind = 'checkin' | 'scan';

/**
 * The push channel's server side, in one process: which computers hold a wake
 * stream here, and a way to tell them "check in now" (and why).
 */
export type WakeListener = (reason: string, kind: WakeKind) => void;

export class WakeHub {
  private readonly listeners = new Map<string, Set<WakeListener>>();
  /** How to end each open stream, and the computer holding it (null: an admin's stream). */
  private readonly streams = new Map<() => void, string | null>();

  /**
   * Remembers how to end an open stream, so a shutdown can end them all and a revocation
   * the computer's own.
   */
  track(end: () => void, computerId: string | null = null): () => void {
    this.streams.set(end, computerId);
    return () => this.streams.delete(end);
  }

  closeAll(): void {
    for (const end of [...this.streams.keys()]) end();
  }

  /** Ends the streams of these computers held here (a revoked credential); returns how many. */
  disconnect(computerIds: Iterable<string>): number {
    const ids = new Set(computerIds);
    let ended = 0;
    for (const [end, id] of [...this.streams]) {
      if (id === null || !ids.has(id)) continue;
      end();
      ended += 1;
    }
    return ended;
  }

  subscribe(computerId: string, listener: WakeListener): () => void {
    let set = this.listeners.get(computerId);
    if (!set) {
      set = new Set();
      this.listeners.set(computerId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(computerId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(computerId);
    };
  }

  get connected(): number {
    return this.listeners.size;
  }

  /** Wakes those of the computers that are connected here; returns how many were. */
  wake(computerIds: Iterable<string>, reason: string, kind: WakeKind = 'checkin'): number {
    let woken = 0;
    for (const id of computerIds) {
      const set = this.listeners.get(id);
      if (!set) continue;
      woken += 1;
      for (const listener of set) listener(reason, kind);
    }
    return woken;
  }
}
