import type { ReimageSort } from '../contracts/list-queries.js';
import type { Page, PageRequest } from '../contracts/paging.js';
import { keysetOf, keysetPage } from './paging.js';
import type { Kysely, Selectable } from 'kysely';
import type { Inventory } from '../contracts/inventory.js';
import type { Database, ReimageRequestTable } from './schema.js';

export const reimageStates = ['pending', 'approved', 'refused'] as const;
export type ReimageState = (typeof reimageStates)[number];

/** A claimed re-image of an enrolled computer, and the admin's decision on it. */
export type ReimageRequestRecord = {
  id: string;
  computerId: string;
  nonceHash: string;
  enrollmentId: string;
  /** The credential the agent gets once approved. */
  credentialHash: string;
  /** What the claiming agent reported. */
  inventory: Inventory;
  state: ReimageState;
  /** Epoch milliseconds. */
  requestedAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
};

function toRecord(row: Selectable<ReimageRequestTable>): ReimageRequestRecord {
  return {
    id: row.id,
    computerId: row.computer_id,
    nonceHash: row.nonce_hash,
    enrollmentId: row.enrollment_id,
    credentialHash: row.credential_hash,
    // Stored from a validated enroll request.
    inventory: JSON.parse(row.inventory) as Inventory,
    state: row.state as ReimageState,
    requestedAt: Number(row.requested_at),
    decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    decidedBy: row.decided_by,
  };
}

export class ReimageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(request: ReimageRequestRecord): Promise<void> {
    await this.db
      .insertInto('reimage_requests')
      .values({
        id: request.id,
        computer_id: request.computerId,
        nonce_hash: request.nonceHash,
        enrollment_id: request.enrollmentId,
        credential_hash: request.credentialHash,
        inventory: JSON.stringify(request.inventory),
        state: request.state,
        requested_at: request.requestedAt,
        decided_at: request.decidedAt,
        decided_by: request.decidedBy,
      })
      .execute();
  }

  async find(id: string): Promise<ReimageRequestRecord | undefined> {
    const row = await this.db
      .selectFrom('reimage_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async findByNonceHash(hash: string): Promise<ReimageRequestRecord | undefined> {
    const row = await this.db
      .selectFrom('reimage_requests')
      .selectAll()
      .where('nonce_hash', '=', hash)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** One page of claimed re-images, by keyset on (sort column, id). */
  async page(
    state: string | undefined,
    page: PageRequest<ReimageSort>,
  ): Promise<Page<ReimageRequestRecord>> {
    let base = this.db.selectFrom('reimage_requests as r');
    if (state !== undefined) base = base.where('r.state', '=', state);
    const column = { requestedAt: 'r.requested_at', id: 'r.id' }[page.sort];
    const result = await keysetPage(
      base.selectAll('r'),
      base.select((eb) => eb.fn.countAll().as('n')),
      keysetOf(column, 'r.id'),
      page,
    );
    return { ...result, items: result.items.map(toRecord) };
  }

  /** Newest first; only one computer's when `computerId` is given. */
  async list(computerId?: string): Promise<ReimageRequestRecord[]> {
    let query = this.db.selectFrom('reimage_requests').selectAll();
    if (computerId !== undefined) query = query.where('computer_id', '=', computerId);
    const rows = await query.orderBy('requested_at', 'desc').orderBy('id').execute();
    return rows.map(toRecord);
  }

  /** Decides a pending request; false when it was decided already (by someone else). */
  async decide(
    id: string,
    state: 'approved' | 'refused',
    by: string,
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('reimage_requests')
      .set({ state, decided_at: now, decided_by: by })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
