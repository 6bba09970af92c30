import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Which content-addressed files the server holds. */
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
}
