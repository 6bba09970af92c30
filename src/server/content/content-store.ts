import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ValidationError } from '../../domain/errors.js';
import { contentPath } from '../../contracts/distribution.js';

/** Files on disk, addressed by SHA-256: `<root>/sha256/ab/abcdef…`. Each stored once. */
export class ContentStore {
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
    const tmpDir = path.join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${expectedSha256}.${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(tmp, { mode: 0o644 }));
      const actual = hash.digest('hex');
      if (actual !== expectedSha256) {
        throw new ValidationError(
          `the uploaded content's SHA-256 is ${actual}, not ${expectedSha256}`,
          [{ field: 'sha256', message: `content hashes to ${actual}` }],
        );
      }
      const finalPath = this.pathOf(expectedSha256);
      await mkdir(path.dirname(finalPath), { recursive: true });
      await rename(tmp, finalPath);
      return { size };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  open(sha256: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.pathOf(sha256), range);
  }
}
