import type { Kysely, Selectable } from 'kysely';
import type { BaselineSort } from '../contracts/list-sorts.js';
import type { Page, PageRequest } from '../contracts/paging.js';
import type { BaselineComputer, BaselineStatus } from '../domain/baseline.js';
import type { FailureReason, StatusState } from '../domain/status.js';
import { keysetOf, keysetPage } from './paging.js';
import type { BaselineTable, Database } from './schema.js';

/** A baseline with its groups (by name) and updates (by id), both sorted. */
export type BaselineRecord = {
  id: string;
  name: string;
  description: string | null;
  groups: string[];
  updateIds: string[];
  createdAt: number;
  createdBy: string;
};

export type NewBaseline = Omit<BaselineRecord, 'groups' | 'updateIds'> & {
  groupIds: string[];
  updateIds: string[];
};

/** What a change sets: only the fields given; groups and updates replace what it holds. */
export type BaselineChange = {
  name?: string;
  description?: string | null;
  groupIds?: readonly string[];
  updateIds?: readonly string[];
};

/** One computer × update's last status, for compliance. */
export type BaselineStatusRecord = BaselineStatus & { computerId: string; updateId: string };

/** The same order on both engines, whatever their collation. */
const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Both engines limit the parameters of one statement. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export class BaselineRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(baseline: NewBaseline): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('baselines')
        .values({
          id: baseline.id,
          name: baseline.name,
          description: baseline.description,
          created_at: baseline.createdAt,
          created_by: baseline.createdBy,
        })
        .execute();
      if (baseline.groupIds.length > 0) {
        await trx
          .insertInto('baseline_groups')
          .values(baseline.groupIds.map((group_id) => ({ baseline_id: baseline.id, group_id })))
          .execute();
      }
      for (const part of chunks(baseline.updateIds)) {
        await trx
          .insertInto('baseline_updates')
          .values(
            part.map((update_id) => ({
              baseline_id: baseline.id,
              update_id,
              added_at: baseline.createdAt,
              added_by: baseline.createdBy,
            })),
          )
          .execute();
      }
    });
  }

  async findByName(name: string): Promise<BaselineRecord | undefined> {
    const row = await this.db
      .selectFrom('baselines')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row && (await this.withLinks([row]))[0];
  }

  /** One page of baselines, by keyset on (sort column, id). */
  async page(page: PageRequest<BaselineSort>): Promise<Page<BaselineRecord>> {
    const column = { name: 'b.name', createdAt: 'b.created_at' }[page.sort];
    const result = await keysetPage(
      this.db.selectFrom('baselines as b').selectAll('b'),
      this.db.selectFrom('baselines as b').select((eb) => eb.fn.countAll().as('n')),
      // Names are unique: the name alone orders the baselines.
      keysetOf(column, column === 'b.name' ? 'b.name' : 'b.id'),
      page,
    );
    return { ...result, items: await this.withLinks(result.items) };
  }

  /** Adds updates (those it already holds are left as they were). */
  async addUpdates(
    baselineId: string,
    updateIds: readonly string[],
    at: number,
    by: string,
  ): Promise<void> {
    for (const part of chunks(updateIds)) {
      await this.db
        .insertInto('baseline_updates')
        .values(
          part.map((update_id) => ({
            baseline_id: baselineId,
            update_id,
            added_at: at,
            added_by: by,
          })),
        )
        .onConflict((oc) => oc.columns(['baseline_id', 'update_id']).doNothing())
        .execute();
    }
  }

  async removeUpdates(baselineId: string, updateIds: readonly string[]): Promise<void> {
    for (const part of chunks(updateIds)) {
      await this.db
        .deleteFrom('baseline_updates')
        .where('baseline_id', '=', baselineId)
        .where('update_id', 'in', part)
        .execute();
    }
  }

  /**
   * Changes a baseline in one transaction. The updates it keeps keep when and by whom they
   * were added; those it gains are added `at`, `by`.
   */
  async update(baselineId: string, change: BaselineChange, at: number, by: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const fields = {
        ...(change.name !== undefined && { name: change.name }),
        ...(change.description !== undefined && { description: change.description }),
      };
      if (Object.keys(fields).length > 0) {
        await trx.updateTable('baselines').set(fields).where('id', '=', baselineId).execute();
      }
      if (change.groupIds !== undefined) {
        await trx.deleteFrom('baseline_groups').where('baseline_id', '=', baselineId).execute();
        if (change.groupIds.length > 0) {
          await trx
            .insertInto('baseline_groups')
            .values(change.groupIds.map((group_id) => ({ baseline_id: baselineId, group_id })))
            // A change made at the same time may have put the same group back first.
            .onConflict((oc) => oc.columns(['baseline_id', 'group_id']).doNothing())
            .execute();
        }
      }
      if (change.updateIds !== undefined) {
        const held = (
          await trx
            .selectFrom('baseline_updates')
            .select('update_id')
            .where('baseline_id', '=', baselineId)
            .execute()
        ).map((r) => r.update_id);
        const wanted = new Set(change.updateIds);
        const kept = new Set(held);
        for (const part of chunks(held.filter((id) => !wanted.has(id)))) {
          await trx
            .deleteFrom('baseline_updates')
            .where('baseline_id', '=', baselineId)
            .where('update_id', 'in', part)
            .execute();
        }
        for (const part of chunks(change.updateIds.filter((id) => !kept.has(id)))) {
          await trx
            .insertInto('baseline_updates')
            .values(
              part.map((update_id) => ({
                baseline_id: baselineId,
                update_id,
                added_at: at,
                added_by: by,
              })),
            )
            .onConflict((oc) => oc.columns(['baseline_id', 'update_id']).doNothing())
            .execute();
        }
      }
    });
  }

  /** Removes a baseline with its groups and updates (the groups and updates stay). */
  async remove(baselineId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('baseline_updates').where('baseline_id', '=', baselineId).execute();
      await trx.deleteFrom('baseline_groups').where('baseline_id', '=', baselineId).execute();
      await trx.deleteFrom('baselines').where('id', '=', baselineId).execute();
    });
  }

  /** The computers of the baseline's groups (each once), not revoked. */
  async computers(baselineId: string): Promise<BaselineComputer[]> {
    const rows = await this.db
      .selectFrom('computers as c')
      .select(['c.id', 'c.hostname', 'c.os', 'c.arch', 'c.scanned_at'])
      .where('c.revoked_at', 'is', null)
      .where('c.id', 'in', (eb) =>
        eb
          .selectFrom('baseline_groups as bg')
          .innerJoin('group_members as m', 'm.group_id', 'bg.group_id')
          .select('m.computer_id')
          .where('bg.baseline_id', '=', baselineId),
      )
      .orderBy('c.hostname')
      .orderBy('c.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      hostname: r.hostname,
      os: r.os,
      arch: r.arch,
      scannedAt: r.scanned_at === null ? null : Number(r.scanned_at),
    }));
  }

  /** The last status of each of these computers × updates that has one. */
  async statuses(
    computerIds: readonly string[],
    updateIds: readonly string[],
  ): Promise<BaselineStatusRecord[]> {
    if (updateIds.length === 0) return [];
    const out: BaselineStatusRecord[] = [];
    for (const part of chunks(computerIds)) {
      const rows = await this.db
        .selectFrom('statuses')
        .select([
          'computer_id',
          'update_id',
          'state',
          'reason',
          'exit_code',
          'message',
          'updated_at',
        ])
        .where('computer_id', 'in', part)
        .where('update_id', 'in', [...updateIds])
        .execute();
      for (const r of rows) {
        out.push({
          computerId: r.computer_id,
          updateId: r.update_id,
          state: r.state as StatusState,
          reason: r.reason as FailureReason | null,
          exitCode: r.exit_code === null ? null : Number(r.exit_code),
          message: r.message,
          updatedAt: Number(r.updated_at),
        });
      }
    }
    return out;
  }

  private async withLinks(rows: Selectable<BaselineTable>[]): Promise<BaselineRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const groups = await this.db
      .selectFrom('baseline_groups as bg')
      .innerJoin('groups as g', 'g.id', 'bg.group_id')
      .select(['bg.baseline_id', 'g.name'])
      .where('bg.baseline_id', 'in', ids)
      .execute();
    const updates = await this.db
      .selectFrom('baseline_updates')
      .select(['baseline_id', 'update_id'])
      .where('baseline_id', 'in', ids)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      groups: groups
        .filter((g) => g.baseline_id === r.id)
        .map((g) => g.name)
        .sort(byCode),
      updateIds: updates
        .filter((u) => u.baseline_id === r.id)
        .map((u) => u.update_id)
        .sort(byCode),
      createdAt: Number(r.created_at),
      createdBy: r.created_by,
    }));
  }
}
