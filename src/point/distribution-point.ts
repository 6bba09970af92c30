import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import {
  contentPath,
  pointNeedsResponse,
  stagingResponse,
  type PointNeedsResponse,
  type StagingRequest,
} from '../contracts/distribution.js';
import { pointPaths } from '../contracts/distribution-routes.js';
import { Pacer } from '../pacer.js';
import { parseRange } from '../contracts/range.js';

/**
 * A managed distribution point: asks the server which files its site needs, downloads
 * each (resuming with Range), verifies its SHA-256, serves the verified ones over HTTP
 * in the content-addressed layout (`/sha256/ab/abcdef…`, Range supported), and reports
 * what it holds. A file is served only once this process has verified it: after a
 * restart every copy on disk is hashed again first.
 */

export type PointOptions = {
  serverUrl: string;
  token: string;
  site: string;
  dataDir: string;
  port: number;
  host?: string;
  /** Trust only this CA (PEM) for an https:// server. */
  ca?: string;
  /** Seconds between asks (default: what the server says). */
  pollSeconds?: number;
  /** Bytes per second per answer to agents (none: unlimited). */
  rateLimit?: number;
  /**
   * Other distribution points to fetch from before the server, in order (site to site,
   * then site to local): a file they do not hold, or that fails, comes from the next one
   * and finally from the server. Every copy is verified by SHA-256 whichever it came from.
   */
  parents?: readonly string[];
  log?: (line: string) => void;
};

type Held = {
  state: 'staged' | 'missing' | 'corrupt';
  actualSha256: string | null;
  detail: string | null;
};

/** What was served, for the point's own /stats (and the tests that count bytes). */
export type PointStats = {
  bytesServed: Record<string, number>;
  /** Each answer: where it started and how many bytes of it were written. */
  requests: { sha256: string; start: number; status: number; bytes: number }[];
  staged: number;
  /** Bytes this point fetched, by where from: a parent point's URL, or `server`. */
  bytesFetched: Record<string, number>;
};

const SHA256 = /^[0-9a-f]{64}$/;

export class DistributionPoint {
  private server: Server | null = null;
  private readonly dispatcher: Dispatcher;
  private readonly held = new Map<string, Held>();
  private readonly told = new Map<string, string>();
  private readonly stats: PointStats = {
    bytesServed: {},
    requests: [],
    staged: 0,
    bytesFetched: {},
  };
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly log: (line: string) => void;

  constructor(private readonly options: PointOptions) {
    this.dispatcher = new Agent({
      connect: options.ca === undefined ? {} : { ca: options.ca },
      bodyTimeout: 120_000,
    });
    this.log = options.log ?? (() => undefined);
  }

  /** Starts serving and syncing; resolves with the URL it serves at. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
        else res.destroy();
      });
    });
    this.server = server;
    server.listen(this.options.port, this.options.host ?? '0.0.0.0');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    this.loop = this.run();
    return `http://${this.options.host ?? '127.0.0.1'}:${port}`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop?.catch(() => undefined);
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await this.dispatcher.close();
  }

  /** One pass now: ask, fetch and verify, report. Exposed for tests. */
  async syncOnce(): Promise<number> {
    const needs = await this.needs();
    if (needs.site !== this.options.site) {
      throw new Error(
        `this credential is for site ${needs.site}, not ${this.options.site}: check --site and --token`,
      );
    }
    for (const file of needs.files) {
      if (this.stopped) break;
      await this.stage(file);
    }
    await this.report(needs);
    return needs.nextPollSeconds;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let wait = this.options.pollSeconds ?? 30;
      try {
        const next = await this.syncOnce();
        wait = this.options.pollSeconds ?? next;
      } catch (error) {
        this.log(`sync failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (this.stopped) break;
      await Promise.race([
        sleep(wait * 1000),
        new Promise<void>((resolve) => (this.wakeUp = resolve)),
      ]);
    }
  }

  private filePath(sha256: string): string {
    return path.join(this.options.dataDir, ...contentPath(sha256).split('/'));
  }

  private partialPath(sha256: string): string {
    return path.join(this.options.dataDir, 'partial', sha256);
  }

  /** Makes one file held and verified, or records why not. */
  private async stage(file: PointNeedsResponse['files'][number]): Promise<void> {
    const known = this.held.get(file.sha256);
    // An agent (or a restart) may say the copy went bad: hash it again.
    const recheck = file.state === 'corrupt' || file.state === 'missing';
    if (known?.state === 'staged' && !recheck) return;
    const target = this.filePath(file.sha256);
    const onDisk = await digest(target);
    if (onDisk?.sha256 === file.sha256 && onDisk.size === file.size) {
      this.held.set(file.sha256, { state: 'staged', actualSha256: null, detail: null });
      return;
    }
    if (onDisk) {
      this.log(`${file.sha256}: the copy on disk hashes to ${onDisk.sha256}; fetching it again`);
      await unlink(target).catch(() => undefined);
      this.held.set(file.sha256, {
        state: 'corrupt',
        actualSha256: onDisk.sha256,
        detail: `the copy on disk hashed to ${onDisk.sha256} (${onDisk.size} bytes); fetching it again`,
      });
    }
    try {
      await this.download(file.sha256, file.size);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log(`${file.sha256}: ${message}`);
      if (!onDisk)
        this.held.set(file.sha256, { state: 'missing', actualSha256: null, detail: message });
      return;
    }
    const fetched = await digest(this.partialPath(file.sha256));
    if (fetched?.sha256 === file.sha256 && fetched.size === file.size) {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(this.partialPath(file.sha256), target);
      this.held.set(file.sha256, { state: 'staged', actualSha256: null, detail: null });
      this.log(`${file.sha256}: staged (${file.size} bytes, verified)`);
      return;
    }
    await unlink(this.partialPath(file.sha256)).catch(() => undefined);
    this.held.set(file.sha256, {
      state: 'corrupt',
      actualSha256: fetched?.sha256 ?? null,
      detail: `the download hashed to ${fetched?.sha256 ?? 'nothing'}; deleted`,
    });
  }

  /**
   * Into the partial copy, resuming from its length with Range: from each parent point in
   * turn, then from the server. A source that fails leaves what it sent for the next one
   * to resume from; the hash check after it decides.
   */
  private async download(sha256: string, size: number): Promise<void> {
    const failures: string[] = [];
    for (const parent of this.options.parents ?? []) {
      const url = new URL(contentPath(sha256), parent.endsWith('/') ? parent : `${parent}/`);
      try {
        // A parent point serves without credentials: ours is for the server only.
        await this.fetchInto(sha256, size, url, {}, parent);
        const got = await digest(this.partialPath(sha256));
        if (got?.sha256 === sha256 && got.size === size) return;
        // A bad copy upstream must not block this point: the next source starts over.
        await unlink(this.partialPath(sha256)).catch(() => undefined);
        failures.push(`${parent}: its copy hashed to ${got?.sha256 ?? 'nothing'}`);
      } catch (error) {
        failures.push(`${parent}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (failures.length > 0) this.log(`${sha256}: ${failures.at(-1)}; trying the next source`);
    }
    const auth = { authorization: `Bearer ${this.options.token}` };
    try {
      await this.fetchInto(sha256, size, this.url(pointPaths.content(sha256)), auth, 'server');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error([...failures, `the server: ${message}`].join('; '));
    }
  }

  private async fetchInto(
    sha256: string,
    size: number,
    url: URL,
    auth: Record<string, string>,
    source: string,
  ): Promise<void> {
    const partial = this.partialPath(sha256);
    await mkdir(path.dirname(partial), { recursive: true });
    let offset = (await stat(partial).catch(() => null))?.size ?? 0;
    if (offset >= size) {
      await unlink(partial);
      offset = 0;
    }
    const headers: Record<string, string> = { ...auth };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const response = await request(url, { method: 'GET', headers, dispatcher: this.dispatcher });
    if (response.statusCode !== 200 && response.statusCode !== 206) {
      const text = await response.body.text().catch(() => '');
      throw new Error(`answered ${response.statusCode}: ${text.slice(0, 200).trim()}`);
    }
    // A 200 to a range ask is the whole file: start the copy over.
    const out = createWriteStream(partial, { flags: response.statusCode === 206 ? 'a' : 'w' });
    try {
      for await (const chunk of response.body) {
        const bytes = chunk as Buffer;
        this.stats.bytesFetched[source] = (this.stats.bytesFetched[source] ?? 0) + bytes.length;
        if (!out.write(bytes)) await once(out, 'drain');
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
  }

  private async report(needs: PointNeedsResponse): Promise<void> {
    const files: StagingRequest['files'] = [];
    for (const file of needs.files) {
      const held = this.held.get(file.sha256) ?? {
        state: 'missing' as const,
        actualSha256: null,
        detail: null,
      };
      const key = JSON.stringify(held);
      // Told only when it changed, or when the server holds another state.
      if (this.told.get(file.sha256) === key && file.state === held.state) continue;
      files.push({ sha256: file.sha256, ...held });
      this.told.set(file.sha256, key);
    }
    this.stats.staged = [...this.held.values()].filter((h) => h.state === 'staged').length;
    if (files.length === 0) return;
    const response = await request(this.url(pointPaths.staging), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.options.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ files }),
      dispatcher: this.dispatcher,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      for (const f of files) this.told.delete(f.sha256);
      throw new Error(`staging report refused (${response.statusCode}): ${text.slice(0, 200)}`);
    }
    stagingResponse.parse(JSON.parse(text));
  }

  private async needs(): Promise<PointNeedsResponse> {
    const response = await request(this.url(pointPaths.needs), {
      method: 'GET',
      headers: { authorization: `Bearer ${this.options.token}` },
      dispatcher: this.dispatcher,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      throw new Error(`the server answered ${response.statusCode}: ${text.slice(0, 200)}`);
    }
    return pointNeedsResponse.parse(JSON.parse(text));
  }

  private url(p: string): URL {
    const base = this.options.serverUrl.endsWith('/')
      ? this.options.serverUrl
      : `${this.options.serverUrl}/`;
    return new URL(p.replace(/^\//, ''), base);
  }

  /** `/sha256/ab/<sha256>` (GET, HEAD, Range) and `/stats`. */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://point');
    if (url.pathname === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.stats));
      return;
    }
    const match = /^\/sha256\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(url.pathname);
    const sha256 = match?.[2] ?? '';
    if (
      (req.method !== 'GET' && req.method !== 'HEAD') ||
      !match ||
      !SHA256.test(sha256) ||
      match[1] !== sha256.slice(0, 2) ||
      this.held.get(sha256)?.state !== 'staged'
    ) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here\n');
      return;
    }
    const file = this.filePath(sha256);
    const size = (await stat(file).catch(() => null))?.size;
    if (size === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here\n');
      return;
    }
    const range = parseRange(req.headers.range, size);
    if (req.headers.range && !range) {
      this.remember({ sha256, start: -1, status: 416, bytes: 0 });
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    const status = range ? 206 : 200;
    const record = { sha256, start, status, bytes: 0 };
    this.remember(record);
    res.writeHead(status, {
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      'content-length': end - start + 1,
      ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await this.send(
      createReadStream(file, { start, end, highWaterMark: 64 * 1024 }),
      res,
      sha256,
      record,
    );
  }

  /** Keeps the last answers only: a long-running point must not grow without bound. */
  private remember(record: PointStats['requests'][number]): void {
    this.stats.requests.push(record);
    if (this.stats.requests.length > 1000) this.stats.requests.shift();
  }

  /** Streams at most `rateLimit` bytes a second, counting what was written. */
  private async send(
    source: AsyncIterable<Buffer>,
    res: ServerResponse,
    sha256: string,
    record: { bytes: number },
  ): Promise<void> {
    const rate = this.options.rateLimit;
    const pacer = rate === undefined ? null : new Pacer(rate);
    let closed = false;
    res.on('close', () => (closed = true));
    for await (const chunk of source) {
      if (closed) break;
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      record.bytes += chunk.length;
      this.stats.bytesServed[sha256] = (this.stats.bytesServed[sha256] ?? 0) + chunk.length;
      await pacer?.passed(chunk.length);
    }
    res.end();
  }
}

async function digest(file: string): Promise<{ sha256: string; size: number } | null> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(file)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch {
    return null;
  }
  return { sha256: hash.digest('hex'), size };
}
