import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import yauzl from 'yauzl';
import { ValidationError } from '../../domain/errors.js';

/**
 * An update folder uploaded as one archive (.tar.gz or .zip), unpacked into a folder of
 * its own. Only regular files and folders are taken; a link, a device, an absolute path, a
 * `..` or a backslash in a name refuses the whole archive, so nothing lands outside the
 * folder. Sizes are bounded before and while unpacking (a small archive can expand a lot).
 */

export type ArchiveLimits = {
  /** Bytes of the archive as uploaded. */
  maxArchiveBytes: number;
  /** Bytes of all its files once unpacked. */
  maxUnpackedBytes: number;
  /** Files and folders in it. */
  maxEntries: number;
};

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxArchiveBytes: 1024 ** 3,
  maxUnpackedBytes: 2 * 1024 ** 3,
  maxEntries: 1000,
};

/** A 400 naming the archive as the field: what the caller sent cannot be used. */
export function archiveError(message: string): ValidationError {
  return new ValidationError(`archive: ${message}`, [{ field: 'archive', message }]);
}

function bytes(n: number): string {
  return n >= 1024 ** 3 ? `${n / 1024 ** 3} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;
}

/** Writes the upload to `file`, refusing it once it passes `max` bytes. */
export async function spoolArchive(body: Readable, file: string, max: number): Promise<number> {
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > max) done(archiveError(`larger than ${bytes(max)}`));
      else done(null, chunk);
    },
  });
  await pipeline(body, limit, createWriteStream(file, { mode: 0o600 }));
  if (size === 0) throw archiveError('the body is empty: send the .tar.gz or .zip file');
  return size;
}

type Format = 'tar.gz' | 'zip';

async function formatOf(file: string): Promise<Format> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
    if (head.readUInt32LE(0) === 0x04034b50) return 'zip';
    // An empty zip is only its end record.
    if (head.readUInt32LE(0) === 0x06054b50) throw archiveError('the .zip archive is empty');
    throw archiveError('not a .tar.gz or .zip archive (its first bytes say neither)');
  } finally {
    await handle.close();
  }
}

/**
 * An entry's name as a path inside the folder (segments joined by `/`; "" for the top
 * itself), or a refusal naming the entry and why.
 */
export function entryPath(name: string): string {
  const shown = JSON.stringify(name);
  if (name.includes('\0')) throw archiveError(`entry ${shown}: a NUL byte in its name`);
  if (name.includes('\\')) throw archiveError(`entry ${shown}: a backslash in its name`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw archiveError(`entry ${shown}: an absolute path`);
  }
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw archiveError(`entry ${shown}: ".." would reach outside the update folder`);
  }
  return segments.join('/');
}

/** Counts entries and unpacked bytes against the limits, and keeps names unique. */
class Unpacker {
  private entries = 0;
  private unpacked = 0;
  private readonly files = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly limits: ArchiveLimits,
  ) {}

  private count(): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throw archiveError(`more than ${this.limits.maxEntries} files and folders`);
    }
  }

  async folder(name: string): Promise<void> {
    this.count();
    const rel = entryPath(name);
    if (this.files.has(rel)) throw archiveError(`entry "${rel}" is both a file and a folder`);
    await mkdir(path.join(this.dir, rel), { recursive: true });
  }

  async file(name: string, content: Readable | AsyncIterable<Buffer>): Promise<void> {
    this.count();
    const rel = entryPath(name);
    if (rel === '') throw archiveError(`entry ${JSON.stringify(name)}: a file without a name`);
    if (this.files.has(rel)) throw archiveError(`entry "${rel}" appears twice`);
    this.files.add(rel);
    const target = path.join(this.dir, rel);
    try {
      await mkdir(path.dirname(target), { recursive: true });
    } catch {
      throw archiveError(`entry "${rel}": a file of the archive is in its way`);
    }
    const limit = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.unpacked += chunk.length;
        if (this.unpacked > this.limits.maxUnpackedBytes) {
          done(archiveError(`unpacks to more than ${bytes(this.limits.maxUnpackedBytes)}`));
        } else done(null, chunk);
      },
    });
    // `wx`: a name given twice under another spelling never overwrites the first.
    await pipeline(content, limit, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
  }
}

function refuseKind(name: string, kind: string): never {
  throw archiveError(
    `entry ${JSON.stringify(name)} is a ${kind}: an update archive holds only files and folders`,
  );
}

async function unpackTarGz(file: string, into: Unpacker): Promise<void> {
  const extract = tarStream.extract();
  const input = createReadStream(file);
  const gunzip = createGunzip();
  // A failure upstream (not gzip, cut short) surfaces through the iteration below.
  input.on('error', (error) => extract.destroy(error));
  gunzip.on('error', (error) => extract.destroy(error));
  input.pipe(gunzip).pipe(extract);
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      if (type === 'directory') {
        await into.folder(name);
        entry.resume();
      } else if (type === 'file' || type === 'contiguous-file') {
        // A streamx stream: async-iterable, which is all the pipeline needs of a source.
        await into.file(name, entry as unknown as AsyncIterable<Buffer>);
      } else {
        refuseKind(name, type);
      }
    }
  } catch (error) {
    extract.destroy();
    input.destroy();
    if (error instanceof ValidationError) throw error;
    throw archiveError(`not a readable .tar.gz (${(error as Error).message})`);
  }
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

async function unpackZip(file: string, into: Unpacker): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, {
      lazyEntries: true,
      decodeStrings: true,
      validateEntrySizes: true,
      // Names are checked here, to say which entry and why.
      strictFileNames: false,
    });
  } catch (error) {
    throw archiveError(`not a readable .zip (${(error as Error).message})`);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const name = entry.fileName;
          // The high 16 bits are the Unix mode when the archiver wrote one (0 otherwise).
          const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
          if (mode !== 0 && mode !== S_IFREG && mode !== S_IFDIR) {
            refuseKind(name, mode === 0o120000 ? 'symbolic link' : 'special file');
          }
          if (entry.isEncrypted()) refuseKind(name, 'encrypted file');
          if (name.endsWith('/') || mode === S_IFDIR) await into.folder(name);
          else await into.file(name, await zip.openReadStreamPromise(entry));
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const message = (error as Error).message;
    // yauzl refuses such names itself; say which entry and why, as for a .tar.gz.
    const named = /^(?:invalid relative path|absolute path): (.*)$/.exec(message);
    if (named?.[1] !== undefined) entryPath(named[1]);
    throw archiveError(`not a readable .zip (${message})`);
  } finally {
    zip.close();
  }
}

/**
 * Unpacks the archive `file` into the empty folder `dir` and returns the update folder in
 * it: `dir` itself when update.json is at the top, or the one folder the archive holds
 * (as `tar czf u.tar.gz RM-2026-0001` makes it).
 */
export async function unpackUpdateArchive(
  file: string,
  dir: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<string> {
  const into = new Unpacker(dir, limits);
  if ((await formatOf(file)) === 'zip') await unpackZip(file, into);
  else await unpackTarGz(file, into);

  const top = await readdir(dir, { withFileTypes: true });
  if (top.some((e) => e.name === 'update.json' && e.isFile())) return dir;
  const only = top.length === 1 ? top[0] : undefined;
  if (only?.isDirectory()) {
    const inner = path.join(dir, only.name);
    const found = await stat(path.join(inner, 'update.json')).catch(() => null);
    if (found?.isFile()) return inner;
  }
  throw archiveError(
    'no update.json at its top or in its one folder (pack the update folder: update.json and the files it names)',
  );
}
