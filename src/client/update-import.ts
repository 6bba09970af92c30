import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { z } from 'zod';
import type { UpdateView } from '../contracts/api.js';
import {
  updateManifest,
  type UpdateFile,
  type UpdateManifest,
  type UpdateManifestInput,
} from '../contracts/manifest.js';
import { fieldIssues } from '../contracts/parse.js';
import type { ApiClient } from './api-client.js';
import { ApiError, UpdateFolderError } from './errors.js';

/** A file of the update on this disk, with the digest and size the server will check. */
export type LocalFile = UpdateFile & { absolutePath: string };

/** An update folder checked locally and ready to upload. */
export type PreparedUpdate = {
  /** update.json as parsed, so fields the schema does not know reach the server. */
  raw: unknown;
  manifest: UpdateManifest;
  files: LocalFile[];
};

/**
 * Reads DIR/update.json, validates it, and hashes every file it names. Throws an UpdateFolderError
 * naming each bad field or file; nothing is uploaded before this passes.
 */
export async function prepareUpdate(dir: string): Promise<PreparedUpdate> {
  const root = await folder(dir);
  const manifestPath = join(dir, 'update.json');
  const raw = await readManifest(manifestPath, join(root, 'update.json'));

  const parsed = updateManifest.safeParse(raw);
  if (!parsed.success) {
    const lines = fieldIssues(parsed.error).map((i) => `  ${i.field}: ${i.message}`);
    throw new UpdateFolderError(`${manifestPath} is not a valid manifest:\n${lines.join('\n')}`);
  }
  const manifest = parsed.data;

  const problems: string[] = [];
  const located: { path: string; absolutePath: string }[] = [];
  const seen = new Set<string>();
  for (const [i, path] of manifest.files.entries()) {
    if (seen.has(path)) continue;
    seen.add(path);
    const found = await locate(root, path);
    if (typeof found === 'string') problems.push(`  files.${i} "${path}": ${found}`);
    else located.push({ path, absolutePath: found.absolutePath });
  }
  if (problems.length > 0) {
    throw new UpdateFolderError(
      `${manifestPath} names files that cannot be used:\n${problems.join('\n')}`,
    );
  }

  const files: LocalFile[] = [];
  for (const file of located) files.push({ ...file, ...(await hashFile(file.absolutePath)) });
  return { raw, manifest, files };
}

/** SHA-256 (lowercase hex) and size of a file, read as a stream. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** `POST /updates` answers 201 when it created the update, 200 when it was already there. */
export type CreateUpdateResult = { created: boolean; update: UpdateView };

const missingContent = z.object({ missing: z.array(z.string()) });

/**
 * Registers the update; when the server lacks some files' content (409 missing-content),
 * uploads those and asks again.
 */
export async function importUpdate(
  client: ApiClient,
  update: PreparedUpdate,
  onUpload: (file: LocalFile) => void = () => {},
): Promise<CreateUpdateResult> {
  const files = update.files.map(({ path, sha256, size }) => ({ path, sha256, size }));
  // Two rounds suffice: the second POST follows the uploads; a third guards against a race.
  for (let round = 0; ; round++) {
    try {
      // The manifest goes as read (it passed the schema), so fields the schema does not know survive.
      const manifest = update.raw as UpdateManifestInput;
      const answer = await client.call('createUpdate', { manifest, files });
      return { created: answer.status === 201, update: answer.body };
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 409) throw error;
      if (error.body.error !== 'missing-content' || round >= 2) throw error;
      const details = missingContent.safeParse(error.body.details);
      if (!details.success || details.data.missing.length === 0) throw error;
      for (const sha256 of new Set(details.data.missing)) {
        const file = update.files.find((f) => f.sha256 === sha256);
        if (!file) {
          throw new UpdateFolderError(
            `the server asks for content ${sha256}, which is not a file of this update`,
          );
        }
        // The size declared to the server must be what is sent: refuse a file changed since.
        const now = (await stat(file.absolutePath)).size;
        if (now !== file.size) {
          throw new UpdateFolderError(
            `${file.path} changed since it was read (${file.size} bytes then, ${now} now); run the import again`,
          );
        }
        onUpload(file);
        await client.uploadContent(sha256, {
          stream: createReadStream(file.absolutePath),
          size: file.size,
        });
      }
    }
  }
}

async function folder(dir: string): Promise<string> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch {
    throw new UpdateFolderError(`${dir}: no such folder`);
  }
  if (!(await stat(root)).isDirectory()) throw new UpdateFolderError(`${dir}: not a folder`);
  return root;
}

async function readManifest(shown: string, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UpdateFolderError(
      code === 'ENOENT'
        ? `${shown}: not found (an update folder holds update.json and the files it names)`
        : `${shown}: cannot read (${code ?? String(error)})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UpdateFolderError(`${shown}: not valid JSON (${(error as Error).message})`);
  }
}

/** The real path of a manifest file inside `root`, or why it cannot be used. */
async function locate(root: string, path: string): Promise<{ absolutePath: string } | string> {
  // The schema already refused "..", absolute and drive paths; a symlink can still escape.
  let real: string;
  try {
    real = await realpath(resolve(root, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file in the update folder' : `cannot read (${code})`;
  }
  if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) {
    return `resolves outside the update folder (to ${real})`;
  }
  const info = await stat(real);
  if (!info.isFile()) return 'not a regular file';
  return { absolutePath: real };
}
