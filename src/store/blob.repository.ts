import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Whether a file's bytes are in the database (all of them: see the migration). */
const hasChunks = (eb: ExpressionBuilder<Database, 'blobs'>) =>
  eb.exists(
    eb
      .selectFrom('blob_chunks')
      .select('blob_chunks.sha256')
      .whereRef('blob_chunks.sha256', '=', 'blobs.sha256'),
  );

/** Where a chunk of a file's bytes starts, how long it is and what it hashes to. */
export type BlobChunk = { byteOffset: number; size: number; digest: string };

/** Which content-addressed files the server holds, and (PostgreSQL) their bytes in chunks. */
export class BlobRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The size in bytes of each of these files the server holds; absent ones are left out. */
  async sizes(hashes: readonly string[]): Promise<Map<string, number>> {
    if (hashes.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('blobs')
      .select(['sha256', 'size'])
      .where('sha256', 'in', [...new Set(hashes)])
      .execute();
    return new Map(rows.map((r) => [r.sha256, Number(r.size)]));
  }

  async record(sha256: string, size: number, now: number): Promise<void> {
    await this.db
      .insertInto('blobs')
      .values({ sha256, size, created_at: now })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
  }

  /**
   * The size of a file whose bytes are in the database, or null. A recorded file with no
   * chunk (and bytes to have) was recorded before content moved into the database.
   */
  async storedSize(sha256: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('blobs')
      .select('size')
      .where('sha256', '=', sha256)
      .where((eb) => eb.or([eb('size', '=', 0), hasChunks(eb)]))
      .executeTakeFirst();
    return row ? Number(row.size) : null;
  }

  /** Files recorded with bytes to have but none in the database (kept in a directory then). */
  async withoutChunks(): Promise<{ sha256: string; size: number }[]> {
    const rows = await this.db
      .selectFrom('blobs')
      .select(['sha256', 'size'])
      .where('size', '>', 0)
      .where((eb) => eb.not(hasChunks(eb)))
      .orderBy('sha256')
      .execute();
    return rows.map((r) => ({ sha256: r.sha256, size: Number(r.size) }));
  }

  /**
   * One chunk; a chunk already there is left (the same hash and offset are the same
   * bytes once committed). On PostgreSQL a writer of the same chunk waits for the first
   * one's transaction, then writes only if that one rolled back.
   */
  async writeChunk(sha256: string, chunk: BlobChunk, data: Buffer): Promise<void> {
    await this.db
      .insertInto('blob_chunks')
      .values({
        sha256,
        byte_offset: chunk.byteOffset,
        size: chunk.size,
        digest: chunk.digest,
        data,
      })
      .onConflict((oc) => oc.columns(['sha256', 'byte_offset']).doNothing())
      .execute();
  }

  /** The chunks holding bytes `start`…`end` (inclusive) of a file, in order. */
  async chunks(sha256: string, start: number, end: number): Promise<BlobChunk[]> {
    const rows = await this.db
      .selectFrom('blob_chunks')
      .select(['byte_offset', 'size', 'digest'])
      .where('sha256', '=', sha256)
      .where('byte_offset', '<=', end)
      .where(sql<number>`byte_offset + size`, '>', start)
      .orderBy('byte_offset')
      .execute();
    return rows.map((r) => ({ byteOffset: Number(r.byte_offset), size: r.size, digest: r.digest }));
  }

  async chunkData(sha256: string, byteOffset: number): Promise<Buffer | null> {
    const row = await this.db
      .selectFrom('blob_chunks')
      .select('data')
      .where('sha256', '=', sha256)
      .where('byte_offset', '=', byteOffset)
      .executeTakeFirst();
    return row ? row.data : null;
  }
}
