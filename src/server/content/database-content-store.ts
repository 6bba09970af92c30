import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Clock } from '../../domain/clock.js';
import type { BlobChunk, BlobRepository } from '../../store/blob.repository.js';
import type { Transactor } from '../../store/repositories.js';
import { CHUNK_BYTES, chunksOf } from './chunks.js';
import {
  hashMismatch,
  type ByteRange,
  type ContentDirectory,
  type ContentStore,
} from './content-store.js';

/** What the store tells the process: errors for the log, reads and bad copies for the metrics. */
export type ContentEvents = {
  logError(error: unknown, message: string): void;
  chunkRead(from: 'cache' | 'database'): void;
  cacheCorrupt(): void;
};

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Content kept in the database (PostgreSQL): every replica serves every file, and losing
 * a replica loses nothing. The replica's directory is a cache, never trusted: each chunk
 * read from it is hashed against the chunk's SHA-256 in the database before it is sent,
 * and a copy that is missing or does not match is served from the database instead (a bad
 * one is removed) and written again in the background.
 */
export class DatabaseContentStore implements ContentStore {
  private readonly filling = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly cache: ContentDirectory,
    private readonly blobs: BlobRepository,
    private readonly transaction: Transactor,
    private readonly clock: Clock,
    private readonly events: ContentEvents,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  size(sha256: string): Promise<number | null> {
    return this.blobs.storedSize(sha256);
  }

  /**
   * Writes the chunks and the file's `blobs` row in one transaction, committed only once
   * the whole body hashed right: a crash or a cut upload at any point leaves nothing
   * recorded (PostgreSQL rolls back a transaction whose connection drops). The bytes go
   * to the local cache on the way. The transaction holds one connection for the upload.
   */
  async put(expectedSha256: string, body: Readable): Promise<{ size: number }> {
    if ((await this.size(expectedSha256)) !== null) return this.verifyOnly(expectedSha256, body);
    const tmp = await this.cache.scratch(expectedSha256);
    try {
      const size = await this.transaction(async ({ blobs }) => {
        const file = await open(tmp, 'w', 0o644);
        const hash = createHash('sha256');
        let byteOffset = 0;
        try {
          for await (const data of chunksOf(body, this.chunkBytes)) {
            hash.update(data);
            await file.write(data);
            await blobs.writeChunk(
              expectedSha256,
              { byteOffset, size: data.length, digest: sha256Of(data) },
              data,
            );
            byteOffset += data.length;
          }
        } finally {
          await file.close();
        }
        const actual = hash.digest('hex');
        if (actual !== expectedSha256) throw hashMismatch(actual, expectedSha256);
        await blobs.record(expectedSha256, byteOffset, this.clock.now());
        return byteOffset;
      });
      await this.cache.adopt(tmp, expectedSha256);
      return { size };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  open(sha256: string, range?: ByteRange): Readable {
    return Readable.from(this.read(sha256, range), {
      objectMode: false,
      highWaterMark: this.chunkBytes,
    });
  }

  /** Waits for the cached copies being written. */
  async settle(): Promise<void> {
    await Promise.all([...this.filling.values()]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.settle();
  }

  /**
   * Files recorded before content moved into the database have no chunks: each one whose
   * copy in this replica's directory hashes right is stored in the database from it.
   * Returns how many were; the others stay unservable until a replica holding them runs. It stops
   * between files once the store closes.
   */
  async adoptLocalCopies(): Promise<number> {
    let adopted = 0;
    for (const { sha256 } of await this.blobs.withoutChunks()) {
      if (this.closed) break;
      if ((await this.cache.size(sha256)) === null) continue;
      try {
        await this.put(sha256, createReadStream(this.cache.pathOf(sha256)));
        adopted += 1;
      } catch (error) {
        this.events.logError(
          error,
          `content ${sha256}: the copy in the data directory was not adopted`,
        );
      }
    }
    return adopted;
  }

  /** A file already stored: the body is only hashed, so a bad one is still a 400. */
  private async verifyOnly(sha256: string, body: Readable): Promise<{ size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const data of body) {
      hash.update(data as Buffer);
      size += (data as Buffer).length;
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) throw hashMismatch(actual, sha256);
    return { size };
  }

  private async *read(sha256: string, range: ByteRange | undefined): AsyncGenerator<Buffer> {
    const start = range?.start ?? 0;
    const end = range?.end ?? Number.MAX_SAFE_INTEGER;
    let copy = await open(this.cache.pathOf(sha256), 'r').catch(() => null);
    let missed = copy === null;
    try {
      for (const chunk of await this.blobs.chunks(sha256, start, end)) {
        let data = copy ? await readChecked(copy, chunk) : null;
        if (copy && !data) {
          await copy.close();
          copy = null;
          missed = true;
          await this.cache.remove(sha256);
          this.events.cacheCorrupt();
          this.events.logError(
            new Error(`chunk at byte ${chunk.byteOffset} does not match its SHA-256`),
            `content ${sha256}: the cached copy is corrupt; removed, served from the database`,
          );
        }
        if (data) this.events.chunkRead('cache');
        else {
          data = await this.fromDatabase(sha256, chunk);
          this.events.chunkRead('database');
        }
        yield data.subarray(
          Math.max(0, start - chunk.byteOffset),
          Math.min(chunk.size, end - chunk.byteOffset + 1),
        );
      }
    } finally {
      await copy?.close();
    }
    if (missed) this.fill(sha256);
  }

  private async fromDatabase(sha256: string, chunk: BlobChunk): Promise<Buffer> {
    const data = await this.blobs.chunkData(sha256, chunk.byteOffset);
    if (!data || sha256Of(data) !== chunk.digest) {
      throw new Error(
        `content ${sha256}: the chunk at byte ${chunk.byteOffset} in the database does not match its SHA-256`,
      );
    }
    return data;
  }

  /**
   * Writes the cached copy from the database, once at a time per file, kept if it hashes
   * right. A copy already there in full (written for another read since this one missed
   * it) is left for the next read to check, not written over behind its back.
   */
  private fill(sha256: string): void {
    if (this.closed || this.filling.has(sha256)) return;
    const work = (async () => {
      const size = await this.blobs.storedSize(sha256);
      if (size !== null && (await this.cache.size(sha256)) === size) return;
      const tmp = await this.cache.scratch(sha256);
      try {
        const file = await open(tmp, 'w', 0o644);
        const hash = createHash('sha256');
        try {
          for (const chunk of await this.blobs.chunks(sha256, 0, Number.MAX_SAFE_INTEGER)) {
            const data = await this.fromDatabase(sha256, chunk);
            hash.update(data);
            await file.write(data);
          }
        } finally {
          await file.close();
        }
        const actual = hash.digest('hex');
        if (actual !== sha256) throw new Error(`the chunks hash to ${actual}`);
        await this.cache.adopt(tmp, sha256);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    })()
      .catch((error: unknown) =>
        this.events.logError(error, `content ${sha256}: the cached copy could not be written`),
      )
      .finally(() => this.filling.delete(sha256));
    this.filling.set(sha256, work);
  }
}

/** A chunk of the cached copy, or null when it is short or does not hash to the chunk's SHA-256. */
async function readChecked(copy: FileHandle, chunk: BlobChunk): Promise<Buffer | null> {
  const data = Buffer.alloc(chunk.size);
  const { bytesRead } = await copy.read(data, 0, chunk.size, chunk.byteOffset);
  return bytesRead === chunk.size && sha256Of(data) === chunk.digest ? data : null;
}
