import type { UpdateListQuery } from '../../contracts/list-queries.js';
import type { Page } from '../../contracts/paging.js';
import { createHash } from 'node:crypto';
import type { CreateUpdateRequest, UpdateView } from '../../contracts/api.js';
import type { UpdateFile } from '../../contracts/manifest.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.js';
import type { Clock } from '../../domain/clock.js';
import type { BlobRepository } from '../../store/blob.repository.js';
import type { UpdateRecord, UpdateRepository } from '../../store/update.repository.js';

export function toUpdateView(update: UpdateRecord): UpdateView {
  return {
    id: update.id,
    title: update.title,
    severity: update.severity,
    classification: update.classification,
    uninstallable: update.manifest.uninstall !== undefined,
    files: update.files,
    manifest: update.manifest,
    createdAt: new Date(update.createdAt).toISOString(),
  };
}

/** The catalog: updates and their content-addressed files. */
/** An update's files in path order and the hash of its manifest and files together. */
function contentOf(request: CreateUpdateRequest): {
  sortedFiles: UpdateFile[];
  contentHash: string;
} {
  const sortedFiles = [...request.files].sort((a, b) => a.path.localeCompare(b.path));
  const contentHash = createHash('sha256')
    .update(canonicalJson({ manifest: request.manifest, files: sortedFiles }))
    .digest('hex');
  return { sortedFiles, contentHash };
}

export class CatalogService {
  constructor(
    private readonly updates: UpdateRepository,
    private readonly blobs: BlobRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Imports an update. Nothing is stored unless the whole update is valid and
   * every file it names is already in the content store; an identical re-import
   * returns the stored update.
   */
  async import(request: CreateUpdateRequest): Promise<{ update: UpdateView; created: boolean }> {
    const { manifest, files } = request;
    const listed = new Set(manifest.files);
    const given = new Map(files.map((f) => [f.path, f]));
    const issues = [
      ...manifest.files
        .filter((p) => !given.has(p))
        .map((p) => ({ field: 'files', message: `no hash given for manifest file "${p}"` })),
      ...files
        .filter((f) => !listed.has(f.path))
        .map((f) => ({ field: 'files', message: `"${f.path}" is not listed in manifest.files` })),
    ];
    if (given.size !== files.length)
      issues.push({ field: 'files', message: 'a path is listed twice' });
    if (issues.length > 0) {
      throw new ValidationError(issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
    }
    const { sortedFiles, contentHash } = contentOf(request);
    const existing = await this.updates.find(manifest.id);
    if (existing) return this.sameOrConflict(existing, contentHash);

    const present = await this.blobs.sizes(sortedFiles.map((f) => f.sha256));
    const wrongSizes = files.flatMap((f, i) => {
      const held = present.get(f.sha256);
      return held === undefined || held === f.size
        ? []
        : [
            {
              field: `files.${i}.size`,
              message: `"${f.path}" declares ${f.size} bytes but its content (${f.sha256}) holds ${held}`,
            },
          ];
    });
    if (wrongSizes.length > 0) {
      throw new ValidationError(
        wrongSizes.map((i) => `${i.field}: ${i.message}`).join('; '),
        wrongSizes,
      );
    }
    const missing = [...new Set(sortedFiles.map((f) => f.sha256).filter((h) => !present.has(h)))];
    if (missing.length > 0) {
      throw new ConflictError(
        `${missing.length} file(s) of update ${manifest.id} are not in the content store yet; upload them first`,
        { missing },
        'missing-content',
      );
    }
    const now = this.clock.now();
    const inserted = await this.updates.insert({
      id: manifest.id,
      manifest,
      contentHash,
      createdAt: now,
      files: sortedFiles,
    });
    const stored = await this.updates.find(manifest.id);
    if (!stored) throw new NotFoundError('update', manifest.id);
    if (!inserted) return this.sameOrConflict(stored, contentHash);
    return { update: toUpdateView(stored), created: true };
  }

  /**
   * What importing the update would do, storing nothing: false when the catalog holds it
   * with the same content, true when it is new; a conflict when its id holds other content.
   */
  async isNew(request: CreateUpdateRequest): Promise<boolean> {
    const existing = await this.updates.find(request.manifest.id);
    if (!existing) return true;
    this.sameOrConflict(existing, contentOf(request).contentHash);
    return false;
  }

  private sameOrConflict(
    existing: UpdateRecord,
    contentHash: string,
  ): { update: UpdateView; created: boolean } {
    if (existing.contentHash !== contentHash) {
      throw new ConflictError(
        `update ${existing.id} already exists with different content; give the new revision a new id`,
        { id: existing.id },
      );
    }
    return { update: toUpdateView(existing), created: false };
  }

  async list(query: UpdateListQuery): Promise<Page<UpdateView>> {
    const { severity, classification, q, ...page } = query;
    const result = await this.updates.page({ severity, classification, q }, page);
    return { ...result, items: result.items.map(toUpdateView) };
  }

  async show(id: string): Promise<UpdateView> {
    const record = await this.updates.find(id);
    if (!record) throw new NotFoundError('update', id);
    return toUpdateView(record);
  }

  async recordContent(sha256: string, size: number): Promise<void> {
    await this.blobs.record(sha256, size, this.clock.now());
  }
}
