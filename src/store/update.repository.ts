import type { Kysely } from 'kysely';
import type { Database, UpdateFileTable, UpdateTable } from './schema.js';

export type UpdateRecord = UpdateTable & { files: UpdateFileTable[] };

export class UpdateRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(id: string): Promise<UpdateRecord | undefined> {
    const row = await this.db
      .selectFrom('updates')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const files = await this.db
      .selectFrom('update_files')
      .selectAll()
      .where('update_id', '=', id)
      .orderBy('path')
      .execute();
    return { ...row, files };
  }

  async list(): Promise<UpdateRecord[]> {
    const rows = await this.db
      .selectFrom('updates')
      .selectAll()
      .orderBy('created_at', 'desc')
      .execute();
    const files = await this.db.selectFrom('update_files').selectAll().orderBy('path').execute();
    return rows.map((row) => ({ ...row, files: files.filter((f) => f.update_id === row.id) }));
  }

  /** Inserts the update with its files; false when the id exists already. */
  async insert(update: UpdateTable, files: UpdateFileTable[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('updates')
        .values(update)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      if (files.length > 0) await trx.insertInto('update_files').values(files).execute();
      return true;
    });
  }
}
