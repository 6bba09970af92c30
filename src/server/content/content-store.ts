import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ValidationError } from '../../domain/errors.js';
import { contentPath } from '../../contracts/distribution.js';

/** Bytes `start`…`end` of a file, both inclusive (as in an HTTP Range). */
export type ByteRange = { start: number; end: number };

/**
 * The server's content, addressed by SHA-256: a directory on SQLite (one process), the
 * database on PostgreSQL (every replica, the directory a verified cache).
 */
export interface ContentStore {
  /** The size of a file held whole, or null. */
  size(sha256: string): Promise<number | null>;
  /** Stores a body if it hashes to `expectedSha256`; otherwise a 400 and nothing kept. */
  put(expectedSha256: string, body: Readable): Promise<{ size: number }>;
  open(sha256: string, range?: ByteRange): Readable;
  /** Starts no more background work (a cache being filled) and waits for what runs. */
  close(): Promise<void>;
}

/** The 400 of a body that does not hash to the SHA-256 it was announced under. */
export function hashMismatch(actual: string, expected: string): ValidationError {
  return new ValidationError(`the uploaded content's SHA-256 is ${actual}, not ${expected}`, [
    { field: 'sha256', message: `content hashes to ${actual}` },
  ]);
}

/** Files on disk, addressed by SHA-256: `<root>/sha256/ab/abcdef…`. Each stored once. */
export class ContentDirectory implements ContentStore {
  constructor(private readonly root: string) {}

  pathOf(sha256: string): string {
    return path.join(this.root, ...contentPath(sha256).split('/'));
  }

  async size(sha256: string): Promise<number | null> {
    try {
      return (await stat(this.pathOf(sha256))).size;
    } catch {
      return null;
    }
  }

  /**
   * Streams a body to a temporary file while hashing it, and keeps it only if its
   * SHA-256 is the one announced: a bad upload never replaces a good copy.
   */
  async put(expectedSha256: string, body: Readable): Promise<{ size: number }> {
    const tmp = await this.scratch(expectedSha256);
    const hash = createHash('sha256');
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(tmp, { mode: 0o644 }));
      const actual = hash.digest('hex');
      if (actual !== expectedSha256) throw hashMismatch(actual, expectedSha256);
      await this.adopt(tmp, expectedSha256);
      return { size };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  open(sha256: string, range?: ByteRange): ReadStream {
    return createReadStream(this.pathOf(sha256), range);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** A fresh temporary path beside the store (same file system: `adopt` is a rename). */
  async scratch(sha256: string): Promise<string> {
    const tmpDir = path.join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    return path.join(tmpDir, `${sha256}.${randomBytes(6).toString('hex')}`);
  }

  /** Moves a verified temporary file to its place, at once. */
  async adopt(tmp: string, sha256: string): Promise<void> {
    const finalPath = this.pathOf(sha256);
    await mkdir(path.dirname(finalPath), { recursive: true });
    await rename(tmp, finalPath);
  }

  async remove(sha256: string): Promise<void> {
    await unlink(this.pathOf(sha256)).catch(() => undefined);
  }
}
