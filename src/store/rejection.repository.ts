import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** A check-in answer an agent refused; `at` (when it refused) and `receivedAt` are epoch ms. */
export type RejectionRecord = {
  computerId: string;
  /** Chosen by the agent: a retold rejection is stored once. */
  id: string;
  reason: string;
  role: string | null;
  detail: string;
  at: number;
  receivedAt: number;
};

export class RejectionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(rejections: readonly RejectionRecord[]): Promise<void> {
    if (rejections.length === 0) return;
    await this.db
      .insertInto('rejections')
      .values(
        rejections.map((r) => ({
          computer_id: r.computerId,
          id: r.id,
          reason: r.reason,
          role: r.role,
          detail: r.detail,
          at: r.at,
          received_at: r.receivedAt,
        })),
      )
      .onConflict((oc) => oc.columns(['computer_id', 'id']).doNothing())
      .execute();
  }

  /** One computer's rejections, newest first. */
  async forComputer(computerId: string, limit = 20): Promise<RejectionRecord[]> {
    const rows = await this.db
      .selectFrom('rejections')
      .selectAll()
      .where('computer_id', '=', computerId)
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      computerId: r.computer_id,
      id: r.id,
      reason: r.reason,
      role: r.role,
      detail: r.detail,
      at: Number(r.at),
      receivedAt: Number(r.received_at),
    }));
  }
}
