import { setImmediate as turn } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Engine } from './db.js';
import type { Database } from './schema.js';

/** What one check-in leaves to write: when the computer was seen, and its last scan. */
type Seen = { seenAt: number; scannedAt: number | null };

/** Rows per UPDATE … FROM (VALUES …) on PostgreSQL: 3 parameters a row, under 65,535. */
const ROWS_PER_STATEMENT = 5000;

/** An older and a newer note of one computer as one: the later time, the newer scan. */
function merged(older: Seen | undefined, newer: Seen | undefined): Seen | undefined {
  if (!older || !newer) return newer ?? older;
  return {
    seenAt: Math.max(older.seenAt, newer.seenAt),
    scannedAt: newer.scannedAt ?? older.scannedAt,
  };
}

/**
 * Rows per transaction on SQLite. The driver is synchronous, so a transaction holds the
 * event loop (and the one connection) from BEGIN to COMMIT: a second's check-ins in one
 * would stall every request for as long. Between two transactions the loop turns.
 */
export const ROWS_PER_SQLITE_TRANSACTION = 100;

/**
 * Check-ins' `last_seen_at` (and `scanned_at`), written in batches: a check-in notes
 * its times here and returns; at most once per interval (1 s) every pending time is
 * written (an UPDATE … FROM (VALUES …) on PostgreSQL; on SQLite transactions
 * of at most ROWS_PER_SQLITE_TRANSACTION rows, the event loop turning between them);
 * `close` writes what is left. What the process reads sees the same values:
 * the computer repository lays the pending times over the rows it reads (`overlay`),
 * and a query that filters or counts by last seen writes the pending ones first
 * (`flush`). A crash loses at most one interval of these times, nothing else. Times
 * only move forward: two replicas' batches may land in either order.
 */
export class SeenWriter {
  private pending = new Map<string, Seen>();
  /** The times being written now: still laid over reads until the write is done. */
  private inWrite = new Map<string, Seen>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    /** Real milliseconds a time may wait before it is written. */
    private readonly intervalMs = 1000,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** A check-in at `seenAt`; `scannedAt` (null: unchanged) rides on the same write. */
  note(computerId: string, seenAt: number, scannedAt: number | null): void {
    this.pending.set(computerId, merged(this.pending.get(computerId), { seenAt, scannedAt })!);
    if (this.closed) {
      void this.flush().catch(this.onError);
      return;
    }
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush().catch(this.onError);
      }, this.intervalMs);
      this.timer.unref?.();
    }
  }

  /** The row as this process knows it: pending times laid over what the database said. */
  overlay<T extends { id: string; lastSeenAt: number | null; scannedAt?: number | null }>(
    row: T,
  ): T {
    const seen = merged(this.inWrite.get(row.id), this.pending.get(row.id));
    if (!seen) return row;
    return {
      ...row,
      lastSeenAt: Math.max(seen.seenAt, row.lastSeenAt ?? seen.seenAt),
      ...(seen.scannedAt === null ? {} : { scannedAt: seen.scannedAt }),
    };
  }

  get size(): number {
    return this.pending.size;
  }

  /** Writes every pending time now (and waits for a write already under way). */
  async flush(): Promise<void> {
    const next = this.writing.then(() => this.write());
    this.writing = next.catch(() => undefined);
    await next;
  }

  /** Resolves once no write is under way (tests, and close). */
  async settled(): Promise<void> {
    await this.writing;
  }

  /** Writes what is left; later notes are written at once. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    this.inWrite = this.pending;
    const batch = [...this.pending];
    this.pending = new Map();
    try {
      if (this.engine === 'postgres') await this.writePostgres(batch);
      else await this.writeSqlite(batch);
    } catch (error) {
      // Not written: keep them for the next flush, under what newer check-ins noted.
      for (const [id, seen] of batch) this.pending.set(id, merged(seen, this.pending.get(id))!);
      throw error;
    } finally {
      this.inWrite = new Map();
    }
  }

  private async writePostgres(batch: [string, Seen][]): Promise<void> {
    for (let i = 0; i < batch.length; i += ROWS_PER_STATEMENT) {
      const rows = batch
        .slice(i, i + ROWS_PER_STATEMENT)
        .map(([id, s]) => sql`(${id}, ${s.seenAt}::bigint, ${s.scannedAt}::bigint)`);
      await sql`
        update computers as c
        set last_seen_at = greatest(c.last_seen_at, v.seen),
            scanned_at = coalesce(v.scanned, c.scanned_at)
        from (values ${sql.join(rows)}) as v(id, seen, scanned)
        where c.id = v.id`.execute(this.db);
    }
  }

  private async writeSqlite(batch: [string, Seen][]): Promise<void> {
    for (let i = 0; i < batch.length; i += ROWS_PER_SQLITE_TRANSACTION) {
      if (i > 0) await turn();
      await this.writeSqliteRows(batch.slice(i, i + ROWS_PER_SQLITE_TRANSACTION));
    }
  }

  private async writeSqliteRows(rows: [string, Seen][]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const [id, s] of rows) {
        await trx
          .updateTable('computers')
          .set((eb) => ({
            last_seen_at: sql<number>`max(coalesce(${eb.ref('last_seen_at')}, 0), ${s.seenAt})`,
            ...(s.scannedAt === null ? {} : { scanned_at: s.scannedAt }),
          }))
          .where('id', '=', id)
          .execute();
      }
    });
  }
}
