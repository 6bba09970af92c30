/**
 * A binary min-heap of (time, id) pairs in typed arrays: the simulator's one timer
 * queue for 100,000 computers and the installs they are waiting on.
 */
export class TimeHeap {
  private times = new Float64Array(1024);
  private ids = new Int32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(time: number, id: number): void {
    if (this.count === this.times.length) this.grow();
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.times[parent] as number;
      if (pt <= time) break;
      this.times[i] = pt;
      this.ids[i] = this.ids[parent] as number;
      i = parent;
    }
    this.times[i] = time;
    this.ids[i] = id;
  }

  /** The earliest time, or +Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : (this.times[0] as number);
  }

  /** Removes the earliest pair and returns its id (call only when not empty). */
  pop(): number {
    const top = this.ids[0] as number;
    const n = --this.count;
    if (n > 0) {
      const time = this.times[n] as number;
      const id = this.ids[n] as number;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (this.times[r] as number) < (this.times[l] as number) ? r : l;
        if ((this.times[c] as number) >= time) break;
        this.times[i] = this.times[c] as number;
        this.ids[i] = this.ids[c] as number;
        i = c;
      }
      this.times[i] = time;
      this.ids[i] = id;
    }
    return top;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.times = times;
    this.ids = ids;
  }
}
