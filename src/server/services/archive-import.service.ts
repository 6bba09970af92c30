import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createUpdateRequest, type UpdateView } from '../../contracts/api.js';
import { describeIssues, fieldIssues } from '../../contracts/parse.js';
import { unstorableIssues } from '../../contracts/text.js';
import { UpdateFolderError } from '../../client/errors.js';
import { prepareUpdate } from '../../client/update-import.js';
import { ConflictError, ValidationError } from '../../domain/errors.js';
import type { ContentStore } from '../content/content-store.js';
import {
  archiveError,
  DEFAULT_ARCHIVE_LIMITS,
  spoolArchive,
  unpackUpdateArchive,
  type ArchiveLimits,
} from '../content/update-archive.js';
import type { CatalogService } from './catalog.service.js';

/**
 * Imports an update uploaded as an archive of its folder: unpacked into a scratch folder
 * beside the content store, checked by the same code as `ringmaster update import DIR`
 * (prepareUpdate: the manifest, every file it names, their hashes and sizes), then
 * registered as `POST /api/v1/updates` would be, storing the content the catalog lacks.
 * The scratch folder is removed whatever happens.
 */
export class ArchiveImportService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly content: ContentStore,
    private readonly scratchRoot: string,
    private readonly limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  ) {}

  async import(body: Readable): Promise<{ update: UpdateView; created: boolean }> {
    await mkdir(this.scratchRoot, { recursive: true });
    const scratch = await mkdtemp(path.join(this.scratchRoot, 'archive-'));
    try {
      const file = path.join(scratch, 'upload');
      await spoolArchive(body, file, this.limits.maxArchiveBytes);
      const unpacked = path.join(scratch, 'update');
      await mkdir(unpacked);
      const dir = await unpackUpdateArchive(file, unpacked, this.limits);
      let prepared;
      try {
        prepared = await prepareUpdate(dir);
      } catch (error) {
        if (!(error instanceof UpdateFolderError)) throw error;
        // Paths are told as inside the archive, not as where the server unpacked it.
        throw archiveError(error.message.split(unpacked + path.sep).join(''));
      }
      const files = prepared.files.map(({ path: p, sha256, size }) => ({ path: p, sha256, size }));
      const parsed = createUpdateRequest.safeParse({ manifest: prepared.raw, files });
      const issues = parsed.success ? unstorableIssues(parsed.data) : fieldIssues(parsed.error);
      if (!parsed.success || issues.length > 0) {
        throw new ValidationError(describeIssues(issues), issues);
      }
      try {
        return await this.catalog.import(parsed.data);
      } catch (error) {
        if (!(error instanceof ConflictError) || error.code !== 'missing-content') throw error;
      }
      // Stored once by SHA-256: two paths with the same content are one upload.
      const stored = new Set<string>();
      for (const f of prepared.files) {
        if (stored.has(f.sha256)) continue;
        stored.add(f.sha256);
        const { size } = await this.content.put(f.sha256, createReadStream(f.absolutePath));
        await this.catalog.recordContent(f.sha256, size);
      }
      return await this.catalog.import(parsed.data);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}
