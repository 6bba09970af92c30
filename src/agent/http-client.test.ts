import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DownloadSink } from './core/server-client.js';
import { ServerCallError } from './core/server-client.js';
import { HttpServerClient, parseRetryAfter } from './http-client.js';

const FILE = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
const SHA = createHash('sha256').update(FILE).digest('hex');
const AUTH = { computerId: 'c-1', credential: 'secret' };

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  range: string | undefined;
  body: string;
}

class MemorySink implements DownloadSink {
  data: Buffer = Buffer.alloc(0);
  resets = 0;
  constructor(initial: Buffer = Buffer.alloc(0)) {
    this.data = initial;
  }
  get size(): number {
    return this.data.length;
  }
  append(chunk: Uint8Array): Promise<void> {
    this.data = Buffer.concat([this.data, chunk]);
    return Promise.resolve();
  }
  reset(): Promise<void> {
    this.data = Buffer.alloc(0);
    this.resets += 1;
    return Promise.resolve();
  }
}

describe('HttpServerClient', () => {
  let server: Server;
  let url: string;
  let seen: Seen[];
  let honourRange: boolean;
  /** The Retry-After of a 503 the server sheds every call with; null: it serves. */
  let shedWith: string | null;
  let client: HttpServerClient;

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      auth: req.headers.authorization,
      range: req.headers.range,
      body,
    });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (shedWith !== null) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': shedWith });
      res.end(JSON.stringify({ error: 'overloaded', message: 'the server is busy' }));
      return;
    }
    if (req.url === '/agent/v1/enroll') {
      const { enrollmentToken } = JSON.parse(body) as { enrollmentToken: string };
      if (enrollmentToken !== 'good') {
        json(403, { error: 'forbidden', message: 'unknown enrollment token' });
        return;
      }
      json(200, { computerId: 'c-1', credential: 'secret' });
      return;
    }
    if (req.headers.authorization !== 'Bearer secret') {
      json(401, { error: 'unauthorized', message: 'bad credential' });
      return;
    }
    if (req.url === '/agent/v1/computers/c-1/checkin') {
      json(200, { computerId: 'c-1', assignments: [], nextCheckinSeconds: 60, ackedSeq: 7 });
      return;
    }
    if (req.url === '/agent/v1/computers/c-1/reports') {
      json(200, { ackedSeq: 9 });
      return;
    }
    if (req.url === `/agent/v1/content/${SHA}`) {
      const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (match && honourRange) {
        const start = Number(match[1]);
        if (start >= FILE.length) {
          res.writeHead(416, { 'content-range': `bytes */${FILE.length}` });
          res.end();
          return;
        }
        res.writeHead(206, {
          'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}`,
          'content-length': FILE.length - start,
        });
        res.end(FILE.subarray(start));
        return;
      }
      res.writeHead(200, { 'content-length': FILE.length });
      res.end(FILE);
      return;
    }
    json(404, { error: 'not-found', message: 'no such thing' });
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new HttpServerClient({ serverUrl: url });
  });
  afterAll(async () => {
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen = [];
    honourRange = true;
    shedWith = null;
  });

  const inventory = {
    hostname: 'pc-1',
    os: 'linux',
    osVersion: '6.1',
    arch: 'x64',
    hardwareId: 'hw',
    freeDiskMB: 1,
    agentVersion: '0.1.0',
    ipAddresses: [],
    site: null,
    bootTime: null,
  };

  it('enrolls without a credential and checks in with the bearer credential', async () => {
    expect(await client.enroll({ enrollmentToken: 'good', inventory })).toEqual(AUTH);
    expect(seen[0]?.auth).toBeUndefined();
    const absences = [
      {
        kind: 'agent-stopped' as const,
        from: '2025-06-01T00:00:00.000Z',
        to: '2025-06-01T01:00:00.000Z',
        detail: 'stopped by a user or service manager',
      },
    ];
    const checkin = await client.checkin(AUTH, { inventory, absences });
    expect(checkin).toMatchObject({ ackedSeq: 7, nextCheckinSeconds: 60 });
    expect(seen[1]).toMatchObject({ method: 'POST', auth: 'Bearer secret' });
    expect(JSON.parse(seen[1]?.body ?? '{}')).toEqual({ inventory, absences });
  });

  it('turns error bodies into ServerCallError with status and code', async () => {
    const error = await client
      .enroll({ enrollmentToken: 'bad', inventory })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerCallError);
    expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    expect((error as Error).message).toContain('unknown enrollment token');
  });

  it('reads the Retry-After of a shed call, in seconds or as a date', async () => {
    shedWith = '7';
    const shed = await client.checkin(AUTH, { inventory, absences: [] }).catch((e: unknown) => e);
    expect(shed).toMatchObject({ status: 503, code: 'overloaded', retryAfterSeconds: 7 });
    shedWith = 'soon';
    const unreadable = await client.reports(AUTH, { reports: [] }).catch((e: unknown) => e);
    expect(unreadable).toMatchObject({ status: 503, retryAfterSeconds: null });
  });

  it('parses Retry-After as RFC 9110 says, within bounds', () => {
    const now = Date.parse('2026-01-10T09:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12);
    expect(parseRetryAfter(['3'], now)).toBe(3);
    expect(parseRetryAfter('Sat, 10 Jan 2026 09:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Sat, 10 Jan 2026 08:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999', now)).toBe(3600);
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
  });

  it('downloads a whole file', async () => {
    const sink = new MemorySink();
    await client.download(AUTH, SHA, sink);
    expect(sink.data.equals(FILE)).toBe(true);
    expect(seen[0]?.range).toBeUndefined();
  });

  it('resumes a partial download with a Range request', async () => {
    const sink = new MemorySink(Buffer.from(FILE.subarray(0, 40_000)));
    await client.download(AUTH, SHA, sink);
    expect(seen[0]?.range).toBe('bytes=40000-');
    expect(sink.data.equals(FILE)).toBe(true);
    expect(sink.resets).toBe(0);
  });

  it('starts over when the server ignores the range', async () => {
    honourRange = false;
    const sink = new MemorySink(Buffer.from(FILE.subarray(0, 40_000)));
    await client.download(AUTH, SHA, sink);
    expect(sink.resets).toBe(1);
    expect(sink.data.equals(FILE)).toBe(true);
  });

  it('starts over when the partial copy is too long (416)', async () => {
    const sink = new MemorySink(Buffer.concat([FILE, Buffer.from('junk')]));
    await client.download(AUTH, SHA, sink);
    expect(sink.resets).toBe(1);
    expect(sink.data.equals(FILE)).toBe(true);
  });

  it('reports an unreachable server with a null status', async () => {
    const dead = new HttpServerClient({ serverUrl: 'http://127.0.0.1:1' });
    const error = await dead.checkin(AUTH, { inventory, absences: [] }).catch((e: unknown) => e);
    await dead.close();
    expect(error).toBeInstanceOf(ServerCallError);
    expect((error as ServerCallError).unreachable).toBe(true);
  });
});

describe('HttpServerClient push channel', () => {
  let server: Server;
  let url: string;
  let connections: { auth: string | undefined; accept: string | undefined }[];
  let behaviour: (n: number, res: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/agent/v1/computers/c-1/wake') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'not-found', message: 'no such route' }));
        return;
      }
      connections.push({ auth: req.headers.authorization, accept: req.headers.accept });
      behaviour(connections.length, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    connections = [];
  });

  const until = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };

  it('parses events split across chunks, ignores pings and reconnects when dropped', async () => {
    behaviour = (n, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (n === 1) {
        // One event cut in three writes, a ping, then a CRLF event, then the end.
        const parts = [
          ': ping\n\n',
          'event: che',
          'ckin\ndata: {}\n',
          '\n',
          'event: checkin\r\n\r\n',
        ];
        let i = 0;
        const next = (): void => {
          const part = parts[i++];
          if (part === undefined) {
            res.end();
            return;
          }
          res.write(part);
          setTimeout(next, 15);
        };
        next();
        return;
      }
      res.write(': ping\n\nevent: checkin\ndata: {}\n\n'); // and stays open
    };
    const client = new HttpServerClient({
      serverUrl: url,
      wakeBackoff: { firstMs: 20, maxMs: 50 },
    });
    const controller = new AbortController();
    let wakes = 0;
    const statuses: string[] = [];
    const holding = client.wake(
      AUTH,
      () => (wakes += 1),
      controller.signal,
      (s) => statuses.push(s.type),
    );
    await until(() => wakes === 3 && connections.length === 2);
    expect(connections[0]).toEqual({ auth: 'Bearer secret', accept: 'text/event-stream' });
    expect(statuses).toEqual(['connected', 'dropped', 'connected']);
    controller.abort();
    await holding; // returns once aborted
    await client.close();
  });

  it('reconnects with backoff when the server is down, and stops when aborted', async () => {
    behaviour = (_n, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'unavailable', message: 'starting up' }));
    };
    const client = new HttpServerClient({ serverUrl: url, wakeBackoff: { firstMs: 5, maxMs: 20 } });
    const controller = new AbortController();
    const retries: number[] = [];
    const holding = client.wake(
      AUTH,
      () => undefined,
      controller.signal,
      (s) => {
        if (s.type === 'dropped') retries.push(s.retryInMs);
      },
    );
    await until(() => connections.length >= 4);
    controller.abort();
    await holding;
    expect(retries.every((ms) => ms <= 20)).toBe(true);
    await client.close();
  });

  it('throws when the server refuses the channel', async () => {
    const client = new HttpServerClient({ serverUrl: url });
    const other = { computerId: 'c-2', credential: 'secret' };
    const error = await client
      .wake(other, () => undefined, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerCallError);
    expect(error).toMatchObject({ status: 404, code: 'not-found' });
    await client.close();
  });
});
