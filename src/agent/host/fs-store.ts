import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { UpdateFile } from '../../contracts/manifest.js';
import { Pacer } from '../../pacer.js';
import type { ContentStore, DurableStore, FileDigest, PartialFile } from '../core/host.js';

/**
 * Durable values as files in the state dir, `<key>.json`. Written to a temporary file,
 * flushed, then renamed over the old one, so a crash leaves the old or the new value.
 * Mode 0600: the credential is among them.
 */
export class FileStore implements DurableStore {
  constructor(private readonly dir: string) {}

  async get(key: string): Promise<string | null> {
    try {
      return await fs.readFile(this.file(key), 'utf8');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async put(key: string, value: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.file(key);
    const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fs.open(temp, 'w', 0o600);
    try {
      await handle.writeFile(value, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }

  private file(key: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(key)) throw new Error(`bad storage key: ${key}`);
    return path.join(this.dir, `${key}.json`);
  }
}

/** Content under `<state>/content/<sha256>` (`.part` while downloading), work dirs under `<state>/work/`. */
export class FsContentStore implements ContentStore {
  private readonly contentDir: string;
  private readonly workRoot: string;

  constructor(
    stateDir: string,
    /** Bytes a second a download may write (none: unlimited); the agent's --rate-limit. */
    private readonly rateLimit?: number,
  ) {
    this.contentDir = path.join(stateDir, 'content');
    this.workRoot = path.join(stateDir, 'work');
  }

  async cached(sha256: string): Promise<FileDigest | null> {
    return await digestFile(this.cachedPath(sha256));
  }

  async openPartial(sha256: string): Promise<PartialFile> {
    await fs.mkdir(this.contentDir, { recursive: true });
    const file = this.partPath(sha256);
    let handle = await fs.open(file, 'a');
    let size = (await handle.stat()).size;
    // Each transfer keeps to the limit on its own: the agent fetches one file at a time.
    const pacer = this.rateLimit === undefined ? null : new Pacer(this.rateLimit);
    return {
      get size() {
        return size;
      },
      async append(chunk) {
        await handle.write(chunk);
        size += chunk.length;
        await pacer?.passed(chunk.length);
      },
      async reset() {
        await handle.close();
        handle = await fs.open(file, 'w');
        size = 0;
      },
      async close() {
        await handle.close();
      },
    };
  }

  async digestPartial(sha256: string): Promise<FileDigest | null> {
    return await digestFile(this.partPath(sha256));
  }

  async promotePartial(sha256: string): Promise<void> {
    await fs.rename(this.partPath(sha256), this.cachedPath(sha256));
  }

  async discard(sha256: string): Promise<void> {
    await fs.rm(this.cachedPath(sha256), { force: true });
    await fs.rm(this.partPath(sha256), { force: true });
  }

  async prune(keep: ReadonlySet<string>): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(this.contentDir);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const name of names) {
      if (!keep.has(name.replace(/\.part$/, ''))) {
        await fs.rm(path.join(this.contentDir, name), { force: true });
      }
    }
  }

  async createWorkDir(updateId: string): Promise<string> {
    const dir = this.workDir(updateId);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  async fillWorkDir(workDir: string, files: readonly UpdateFile[]): Promise<void> {
    const root = path.resolve(workDir);
    for (const file of files) {
      const target = path.resolve(root, file.path);
      if (!target.startsWith(root + path.sep)) {
        throw new Error(`file path leaves the work dir: ${file.path}`);
      }
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.copyFile(this.cachedPath(file.sha256), target);
    }
  }

  async removeWorkDir(updateId: string): Promise<void> {
    await fs.rm(this.workDir(updateId), { recursive: true, force: true });
  }

  private workDir(updateId: string): string {
    // Update ids are already restricted to [A-Za-z0-9._-]; refuse anything else here too.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(updateId))
      throw new Error(`bad update id: ${updateId}`);
    return path.join(this.workRoot, updateId);
  }

  private cachedPath(sha256: string): string {
    return path.join(this.contentDir, checkSha(sha256));
  }

  private partPath(sha256: string): string {
    return path.join(this.contentDir, `${checkSha(sha256)}.part`);
  }
}

/** Size and SHA-256 of a file, streamed; null when it does not exist. */
export async function digestFile(file: string): Promise<FileDigest | null> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(file)) {
      const buffer = chunk as Buffer;
      hash.update(buffer);
      size += buffer.length;
    }
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  return { sha256: hash.digest('hex'), size };
}

function checkSha(sha256: string): string {
  if (!/^[a-f0-9]{64}$/.test(sha256)) throw new Error(`bad sha256: ${sha256}`);
  return sha256;
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
