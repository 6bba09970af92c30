// The real one, whatever a test's fake timers put in the global.
import { setImmediate } from 'node:timers';

/** The most keys one batch reads (one statement's parameters). */
const DEFAULT_MAX_BATCH = 500;

type Waiter<V> = { resolve: (value: V | undefined) => void; reject: (error: unknown) => void };

/**
 * Reads by key that come in the same turn of the event loop (the requests of one read
 * of the sockets) are read together, in one query for all their keys. Nothing is kept:
 * every read goes to the database, only fewer times. A key asked twice in one batch is
 * read once.
 */
export class BatchedLookup<K, V> {
  private pending = new Map<K, Waiter<V>[]>();
  private scheduled = false;

  constructor(
    private readonly load: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = [...this.pending];
    this.pending = new Map();
    for (let from = 0; from < batch.length; from += this.maxBatch) {
      const part = batch.slice(from, from + this.maxBatch);
      this.load(part.map(([key]) => key)).then(
        (found) => {
          for (const [key, waiters] of part) for (const w of waiters) w.resolve(found.get(key));
        },
        (error: unknown) => {
          for (const [, waiters] of part) for (const w of waiters) w.reject(error);
        },
      );
    }
  }
}
