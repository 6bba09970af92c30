import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ContentProblemRequest } from '../../contracts/distribution.js';
import { fetchFiles } from './download.js';
import type { ContentStore, FileDigest, PartialFile } from './host.js';
import { ServerCallError, type DownloadSink, type ServerClient } from './server-client.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const body = Buffer.from('the real installer bytes, long enough to split\n'.repeat(20));
const file = { path: 'setup.sh', sha256: sha(body), size: body.length };
const auth = { computerId: 'c1', credential: 'x' };

/** Content in memory, digested for real. */
class MemoryContent implements ContentStore {
  cache = new Map<string, Buffer>();
  partial = new Map<string, Buffer>();
  cached(s: string): Promise<FileDigest | null> {
    const b = this.cache.get(s);
    return Promise.resolve(b ? { sha256: sha(b), size: b.length } : null);
  }
  openPartial(s: string): Promise<PartialFile> {
    const store = this.partial;
    if (!store.has(s)) store.set(s, Buffer.alloc(0));
    return Promise.resolve({
      get size() {
        return store.get(s)?.length ?? 0;
      },
      append: (chunk: Uint8Array) => {
        store.set(s, Buffer.concat([store.get(s) ?? Buffer.alloc(0), chunk]));
        return Promise.resolve();
      },
      reset: () => {
        store.set(s, Buffer.alloc(0));
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    });
  }
  digestPartial(s: string): Promise<FileDigest | null> {
    const b = this.partial.get(s);
    return Promise.resolve(b ? { sha256: sha(b), size: b.length } : null);
  }
  promotePartial(s: string): Promise<void> {
    const b = this.partial.get(s);
    if (b) this.cache.set(s, b);
    this.partial.delete(s);
    return Promise.resolve();
  }
  discard(s: string): Promise<void> {
    this.cache.delete(s);
    this.partial.delete(s);
    return Promise.resolve();
  }
  prune = () => Promise.resolve();
  createWorkDir = () => Promise.resolve('/w');
  fillWorkDir = () => Promise.resolve();
  removeWorkDir = () => Promise.resolve();
}

type Served = { from: string; offset: number; bytes: number };

/** Sources by name: each sends what `copies` holds, from the sink's offset; a cut stops early. */
function client(
  copies: Record<string, Buffer | 'missing' | 'down'>,
  served: Served[],
  problems: ContentProblemRequest[],
  cutAfter: Record<string, number> = {},
): ServerClient {
  const send = async (from: string, sink: DownloadSink) => {
    const copy = copies[from];
    if (copy === 'missing') throw new ServerCallError('not here (HTTP 404)', 404, 'http-404');
    if (copy === 'down' || copy === undefined) throw new ServerCallError('unreachable', null, 'x');
    const offset = sink.size;
    const cut = cutAfter[from];
    const end = cut === undefined ? copy.length : Math.min(copy.length, offset + cut);
    await sink.append(copy.subarray(offset, end));
    served.push({ from, offset, bytes: end - offset });
    if (cut !== undefined) {
      delete cutAfter[from];
      throw new ServerCallError('connection reset', null, 'ECONNRESET');
    }
  };
  return {
    enroll: () => Promise.reject(new Error('unused')),
    checkin: () => Promise.reject(new Error('unused')),
    reports: () => Promise.reject(new Error('unused')),
    download: (_auth, _sha, sink) => send('server', sink),
    downloadFromPoint: (url, _sha, sink) => send(url, sink),
    contentProblem: (_auth, request) => {
      problems.push(request);
      return Promise.resolve();
    },
  };
}

const points = [
  { id: 'dp-1', url: 'http://dp1' },
  { id: 'dp-2', url: 'http://dp2' },
];

describe('downloads from distribution points, then the server', () => {
  it('takes the file from the first point and asks the server for nothing', async () => {
    const served: Served[] = [];
    const content = new MemoryContent();
    const c = client({ 'http://dp1': body, server: body }, served, []);
    expect(await fetchFiles(content, c, auth, [file], undefined, points)).toEqual({ kind: 'ok' });
    expect(served).toEqual([{ from: 'http://dp1', offset: 0, bytes: body.length }]);
    expect(content.cache.get(file.sha256)?.equals(body)).toBe(true);
  });

  it('a corrupt copy is told, deleted and fetched from the next point; a missing one likewise', async () => {
    const served: Served[] = [];
    const problems: ContentProblemRequest[] = [];
    const corrupt = Buffer.from(body);
    corrupt[10] = 0x21;
    const content = new MemoryContent();
    const c = client(
      { 'http://dp1': corrupt, 'http://dp2': 'missing', server: body },
      served,
      problems,
    );
    expect(await fetchFiles(content, c, auth, [file], undefined, points)).toEqual({ kind: 'ok' });
    expect(problems.map((p) => [p.pointId, p.problem])).toEqual([
      ['dp-1', 'corrupt'],
      ['dp-2', 'missing'],
    ]);
    expect(problems[0]?.detail).toContain(`got ${sha(corrupt)}`);
    expect(served.map((s) => s.from)).toEqual(['http://dp1', 'server']);
    expect(content.cache.get(file.sha256)?.equals(body)).toBe(true);
  });

  it('a corrupt copy from the server itself fails the download: nothing is kept to run', async () => {
    const bad = Buffer.from(body);
    bad[0] = 0x00;
    const content = new MemoryContent();
    const outcome = await fetchFiles(content, client({ server: bad }, [], []), auth, [file]);
    expect(outcome.kind).toBe('hash-mismatch');
    expect(content.cache.size + content.partial.size).toBe(0);
  });

  it('an interrupted transfer resumes where it stopped, not from the start', async () => {
    const served: Served[] = [];
    const content = new MemoryContent();
    const c = client({ 'http://dp1': body }, served, [], { 'http://dp1': 300 });
    expect(await fetchFiles(content, c, auth, [file], undefined, points.slice(0, 1))).toEqual({
      kind: 'ok',
    });
    expect(served).toEqual([
      { from: 'http://dp1', offset: 0, bytes: 300 },
      { from: 'http://dp1', offset: 300, bytes: body.length - 300 },
    ]);
  });

  it('a point out of reach is told and the server serves the rest of the partial copy', async () => {
    const served: Served[] = [];
    const problems: ContentProblemRequest[] = [];
    const content = new MemoryContent();
    const c = client({ 'http://dp1': 'down', server: body }, served, problems);
    expect(await fetchFiles(content, c, auth, [file], undefined, points.slice(0, 1))).toEqual({
      kind: 'ok',
    });
    expect(problems.map((p) => p.problem)).toEqual(['unreachable']);
    expect(served).toEqual([{ from: 'server', offset: 0, bytes: body.length }]);
  });
});
