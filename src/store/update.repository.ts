import type { Kysely, Selectable } from 'kysely';
import type { UpdateSort } from '../contracts/list-queries.js';
import type { Page, PageRequest } from '../contracts/paging.js';
import { containsText, keysetOf, keysetPage } from './paging.js';
import { updateManifest, type UpdateFile, type UpdateManifest } from '../contracts/manifest.js';
import type { Database, UpdateFileTable, UpdateTable } from './schema.js';

/** An update of the catalog, its manifest parsed, with its content-addressed files. */
export type UpdateRecord = {
  id: string;
  title: string;
  severity: UpdateManifest['severity'];
  classification: UpdateManifest['classification'];
  manifest: UpdateManifest;
  /** SHA-256 of the canonical manifest and file list: tells a re-import from a change. */
  contentHash: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Sorted by path. */
  files: UpdateFile[];
};

export type UpdateFilter = {
  severity?: string | undefined;
  classification?: string | undefined;
  q?: string | undefined;
};

export type NewUpdate = Omit<UpdateRecord, 'title' | 'severity' | 'classification'>;

function toFile(row: Selectable<UpdateFileTable>): UpdateFile {
  return { path: row.path, sha256: row.sha256, size: Number(row.size) };
}

function toRecord(row: Selectable<UpdateTable>, files: UpdateFile[]): UpdateRecord {
  const manifest = updateManifest.parse(JSON.parse(row.manifest));
  return {
    id: row.id,
    title: manifest.title,
    severity: manifest.severity,
    classification: manifest.classification,
    manifest,
    contentHash: row.content_hash,
    createdAt: Number(row.created_at),
    files,
  };
}

export class UpdateRepository {
  /**
   * Updates never change once stored (a new revision gets a new id), so each is
   * read and its manifest parsed once per process. Only found updates are kept.
   */
  private readonly cache = new Map<string, UpdateRecord>();

  constructor(private readonly db: Kysely<Database>) {}

  async find(id: string): Promise<UpdateRecord | undefined> {
    const cached = this.cache.get(id);
    if (cached) return cached;
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
    const record = toRecord(row, files.map(toFile));
    this.cache.set(id, record);
    return record;
  }

  /** The whole catalog, oldest first: for the scan's rules (a catalog is small). */
  async all(): Promise<UpdateRecord[]> {
    const rows = await this.db.selectFrom('updates').selectAll().orderBy('created_at').execute();
    return this.withFiles(rows);
  }

  /** One page of the catalog, by keyset on (sort column, id). */
  async page(filter: UpdateFilter, page: PageRequest<UpdateSort>): Promise<Page<UpdateRecord>> {
    let base = this.db.selectFrom('updates as u');
    if (filter.severity !== undefined) base = base.where('u.severity', '=', filter.severity);
    if (filter.classification !== undefined)
      base = base.where('u.classification', '=', filter.classification);
    if (filter.q !== undefined) {
      base = base.where(containsText(this.db, ['u.id', 'u.title'], filter.q));
    }
    const column = { createdAt: 'u.created_at', id: 'u.id', title: 'u.title' }[page.sort];
    const result = await keysetPage(
      base.selectAll('u'),
      base.select((eb) => eb.fn.countAll().as('n')),
      keysetOf(column, 'u.id'),
      page,
    );
    return { ...result, items: await this.withFiles(result.items) };
  }

  private async withFiles(rows: Selectable<UpdateTable>[]): Promise<UpdateRecord[]> {
    const missing = rows.filter((r) => !this.cache.has(r.id)).map((r) => r.id);
    const files =
      missing.length === 0
        ? []
        : await this.db
            .selectFrom('update_files')
            .selectAll()
            .where('update_id', 'in', missing)
            .orderBy('path')
            .execute();
    return rows.map((row) => {
      const cached = this.cache.get(row.id);
      if (cached) return cached;
      const record = toRecord(row, files.filter((f) => f.update_id === row.id).map(toFile));
      this.cache.set(row.id, record);
      return record;
    });
  }

  /** Inserts the update with its files; false when the id exists already. */
  async insert(update: NewUpdate): Promise<boolean> {
    const { manifest } = update;
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('updates')
        .values({
          id: update.id,
          title: manifest.title,
          severity: manifest.severity,
          classification: manifest.classification,
          manifest: JSON.stringify(manifest),
          content_hash: update.contentHash,
          created_at: update.createdAt,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      if (update.files.length > 0) {
        await trx
          .insertInto('update_files')
          .values(update.files.map((f) => ({ update_id: update.id, ...f })))
          .execute();
      }
      return true;
    });
  }
}
