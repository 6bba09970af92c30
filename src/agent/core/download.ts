import type { UpdateFile } from '../../contracts/manifest.js';
import type { ContentStore } from './host.js';
import type { AgentCredential, ServerClient } from './server-client.js';

export type FetchOutcome =
  | { kind: 'ok' }
  | { kind: 'hash-mismatch'; message: string }
  | { kind: 'download-failed'; message: string };

/** Tries a broken transfer again (resuming) before giving up for this cycle. */
const ATTEMPTS = 2;

/**
 * Makes sure every file of an update is in the content store, verified: a cached copy
 * is checked again, a partial download is resumed, a finished one is verified before
 * it becomes the cached copy. A copy that fails verification is deleted.
 */
export async function fetchFiles(
  content: ContentStore,
  client: ServerClient,
  auth: AgentCredential,
  files: readonly UpdateFile[],
  /** Called once, before the first transfer (not when every file is cached already). */
  beforeTransfer?: () => Promise<void>,
): Promise<FetchOutcome> {
  let announced = beforeTransfer === undefined;
  const announce = async (): Promise<void> => {
    if (announced) return;
    announced = true;
    await beforeTransfer?.();
  };
  for (const file of files) {
    const outcome = await fetchFile(content, client, auth, file, announce);
    if (outcome.kind !== 'ok') return outcome;
  }
  return { kind: 'ok' };
}

async function fetchFile(
  content: ContentStore,
  client: ServerClient,
  auth: AgentCredential,
  file: UpdateFile,
  announce: () => Promise<void>,
): Promise<FetchOutcome> {
  const cached = await content.cached(file.sha256);
  if (cached && matches(cached, file)) return { kind: 'ok' };
  if (cached) await content.discard(file.sha256);
  await announce();

  let lastError = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const partial = await content.digestPartial(file.sha256);
    // A partial copy as long as the file or longer cannot be resumed; start over.
    if (partial && partial.size >= file.size && !matches(partial, file)) {
      await content.discard(file.sha256);
    }
    if (!(partial && matches(partial, file))) {
      const sink = await content.openPartial(file.sha256);
      try {
        await client.download(auth, file.sha256, sink);
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        continue;
      } finally {
        await sink.close();
      }
    }
    const digest = await content.digestPartial(file.sha256);
    if (digest && matches(digest, file)) {
      await content.promotePartial(file.sha256);
      return { kind: 'ok' };
    }
    await content.discard(file.sha256);
    return {
      kind: 'hash-mismatch',
      message:
        `${file.path}: expected sha256 ${file.sha256} (${file.size} bytes), ` +
        `got ${digest ? `${digest.sha256} (${digest.size} bytes)` : 'nothing'}`,
    };
  }
  return { kind: 'download-failed', message: `${file.path}: ${lastError}` };
}

function matches(digest: { sha256: string; size: number }, file: UpdateFile): boolean {
  return digest.sha256 === file.sha256 && digest.size === file.size;
}
