import type { PointSource } from '../../contracts/distribution.js';
import type { UpdateFile } from '../../contracts/manifest.js';
import type { ContentStore } from './host.js';
import {
  ServerCallError,
  type AgentCredential,
  type DownloadSink,
  type ServerClient,
} from './server-client.js';

export type FetchOutcome =
  | { kind: 'ok' }
  | { kind: 'hash-mismatch'; message: string }
  | { kind: 'download-failed'; message: string };

/** Tries a broken transfer again (resuming) before giving up on a source for this cycle. */
const ATTEMPTS = 2;

/** Where a file may come from: a distribution point of the computer's site, or the server. */
type Source = { point: PointSource | null; pull: (sink: DownloadSink) => Promise<void> };

function sourcesOf(
  client: ServerClient,
  auth: AgentCredential,
  sha256: string,
  points: readonly PointSource[],
): Source[] {
  const fromPoints: Source[] = client.downloadFromPoint
    ? points.map((point) => ({
        point,
        pull: (sink) => client.downloadFromPoint?.(point.url, sha256, sink) ?? Promise.resolve(),
      }))
    : [];
  return [...fromPoints, { point: null, pull: (sink) => client.download(auth, sha256, sink) }];
}

/**
 * Makes sure every file of an update is in the content store, verified: a cached copy
 * is checked again, a partial download is resumed, a finished one is verified before
 * it becomes the cached copy. A copy that fails verification is deleted. Files come
 * from the site's distribution points in order, then from the server: a point whose
 * copy is missing, corrupt or out of reach is told to the server and the next one tried.
 */
export async function fetchFiles(
  content: ContentStore,
  client: ServerClient,
  auth: AgentCredential,
  files: readonly UpdateFile[],
  /** Called once, before the first transfer (not when every file is cached already). */
  beforeTransfer?: () => Promise<void>,
  /** The distribution points of this computer's site, in the order to try. */
  points: readonly PointSource[] = [],
): Promise<FetchOutcome> {
  let announced = beforeTransfer === undefined;
  const announce = async (): Promise<void> => {
    if (announced) return;
    announced = true;
    await beforeTransfer?.();
  };
  for (const file of files) {
    const outcome = await fetchFile(content, client, auth, file, announce, points);
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
  points: readonly PointSource[],
): Promise<FetchOutcome> {
  const cached = await content.cached(file.sha256);
  if (cached && matches(cached, file)) return { kind: 'ok' };
  if (cached) await content.discard(file.sha256);
  await announce();

  const tell = async (
    point: PointSource,
    problem: 'corrupt' | 'missing' | 'unreachable',
    detail: string,
  ) => {
    // Best effort: the file is fetched elsewhere whether or not the server hears of it.
    await client
      .contentProblem?.(auth, { pointId: point.id, sha256: file.sha256, problem, detail })
      .catch(() => undefined);
  };
  let lastError = '';
  for (const source of sourcesOf(client, auth, file.sha256, points)) {
    const outcome = await fromSource(content, file, source);
    if (outcome.kind === 'ok') return outcome;
    if (source.point === null) return outcome;
    lastError = outcome.message;
    await tell(source.point, outcome.problem, outcome.message);
  }
  return { kind: 'download-failed', message: `${file.path}: ${lastError}` };
}

type SourceOutcome =
  | { kind: 'ok' }
  | { kind: 'hash-mismatch'; problem: 'corrupt'; message: string }
  | { kind: 'download-failed'; problem: 'missing' | 'unreachable'; message: string };

/** One source: resumes the partial copy (whoever began it), verifies, keeps it or deletes it. */
async function fromSource(
  content: ContentStore,
  file: UpdateFile,
  source: Source,
): Promise<SourceOutcome> {
  const where = source.point ? `distribution point ${source.point.id}` : 'the server';
  let lastError = '';
  let missing = false;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const partial = await content.digestPartial(file.sha256);
    // A partial copy as long as the file or longer cannot be resumed; start over.
    if (partial && partial.size >= file.size && !matches(partial, file)) {
      await content.discard(file.sha256);
    }
    if (!(partial && matches(partial, file))) {
      const sink = await content.openPartial(file.sha256);
      try {
        await source.pull(sink);
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        missing = error instanceof ServerCallError && error.status === 404;
        if (missing) break;
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
      problem: 'corrupt',
      message:
        `${file.path} from ${where}: expected sha256 ${file.sha256} (${file.size} bytes), ` +
        `got ${digest ? `${digest.sha256} (${digest.size} bytes)` : 'nothing'}`,
    };
  }
  return {
    kind: 'download-failed',
    problem: missing ? 'missing' : 'unreachable',
    message: source.point ? `${where}: ${lastError}` : `${file.path}: ${lastError}`,
  };
}

function matches(digest: { sha256: string; size: number }, file: UpdateFile): boolean {
  return digest.sha256 === file.sha256 && digest.size === file.size;
}
