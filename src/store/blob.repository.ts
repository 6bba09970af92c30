import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Which content-addressed files the server holds. */
export class BlobRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async existing(hashes: readonly string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('blobs')
      .select('sha256')
      .where('sha256', 'in', [...new Set(hashes)])
      .execute();
    return new Set(rows.map((r) => r.sha256));
  }

  async record(sha256: string, size: number, now: number): Promise<void> {
    await this.db
      .insertInto('blobs')
      .values({ sha256, size, created_at: now })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
  }
}
