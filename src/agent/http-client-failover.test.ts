import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type Pki } from '../../test/support/tls.js';
import { waitFor } from '../../test/support/wait.js';
import { ServerList, type ServerSwitch } from './core/server-list.js';
import type { DownloadSink, WakeStatus } from './core/server-client.js';
import { HttpServerClient } from './http-client.js';
import { endpointsOf, type Resolver } from './endpoints.js';

const AUTH = { computerId: 'c-1', credential: 'secret' };
const FILE = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
const SHA = createHash('sha256').update(FILE).digest('hex');
const inventory = {
  hostname: 'pc-1',
  os: 'linux',
  osVersion: '6.1',
  arch: 'x64',
  hardwareId: 'hw-1',
  freeDiskMB: 1000,
  agentVersion: '0.1.0',
  ipAddresses: ['192.0.2.1'],
  site: null,
  bootTime: '2026-01-10T00:00:00.000Z',
};
const checkinAnswer = { computerId: 'c-1', assignments: [], nextCheckinSeconds: 300, ackedSeq: 0 };

/** One replica: answers as `behave` says, and remembers what it was asked. */
type Replica = {
  url: string;
  seen: { url: string; range: string | undefined }[];
  behave: Handler;
  server: Server;
  close(): Promise<void>;
};
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function replica(
  make: (handler: Handler) => Server = (handler) => createServer(handler),
  scheme = 'http',
  address = '127.0.0.1',
): Promise<Replica> {
  const r: Replica = {
    url: '',
    seen: [],
    behave: serve,
    server: make((req, res) => {
      r.seen.push({ url: req.url ?? '', range: req.headers.range });
      req.resume();
      req.on('end', () => r.behave(req, res));
    }),
    close: async () => {
      r.server.closeAllConnections();
      await new Promise((resolve) => r.server.close(resolve));
    },
  };
  await new Promise<void>((resolve) => r.server.listen(0, address, resolve));
  r.url = `${scheme}://${address}:${(r.server.address() as AddressInfo).port}`;
  return r;
}

/** The agent protocol's answers a healthy replica gives. */
function serve(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/agent/v1/computers/c-1/checkin') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(checkinAnswer));
    return;
  }
  if (req.url === `/agent/v1/content/${SHA}`) {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = range ? Number(range[1]) : 0;
    res.writeHead(range ? 206 : 200, {
      'content-length': FILE.length - from,
      ...(range ? { 'content-range': `bytes ${from}-${FILE.length - 1}/${FILE.length}` } : {}),
    });
    res.end(FILE.subarray(from));
    return;
  }
  if (req.url === '/agent/v1/computers/c-1/wake') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': ping\n\n'); // and stays open
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'not-found', message: 'no such route' }));
}

class MemorySink implements DownloadSink {
  data = Buffer.alloc(0);
  get size(): number {
    return this.data.length;
  }
  append(chunk: Uint8Array): Promise<void> {
    this.data = Buffer.concat([this.data, chunk]);
    return Promise.resolve();
  }
  reset(): Promise<void> {
    this.data = Buffer.alloc(0);
    return Promise.resolve();
  }
}

describe('HttpServerClient over several replicas', () => {
  let a: Replica;
  let b: Replica;
  let switches: ServerSwitch[];
  let client: HttpServerClient;

  const clientOf = (urls: string[], ca?: string) => {
    switches = [];
    const servers = new ServerList(urls, 0, (s) => switches.push(s));
    client = new HttpServerClient({
      servers,
      wakeBackoff: { firstMs: 10, maxMs: 20 },
      ...(ca === undefined ? {} : { ca }),
    });
    return servers;
  };

  beforeAll(async () => {
    a = await replica();
    b = await replica();
  });
  afterEach(async () => {
    a.behave = serve;
    b.behave = serve;
    a.seen = [];
    b.seen = [];
    await client.close();
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('checks in through the next replica when the first is not there, and stays with it', async () => {
    const dead = 'http://127.0.0.1:1';
    const servers = clientOf([dead, b.url]);
    expect(await client.checkin(AUTH, { inventory, absences: [] })).toMatchObject(checkinAnswer);
    expect(servers.current).toBe(b.url);
    expect(switches).toEqual([
      {
        from: dead,
        to: b.url,
        reason: expect.stringContaining('server unreachable: connect ECONNREFUSED'),
      },
    ]);
    await client.checkin(AUTH, { inventory, absences: [] });
    expect(b.seen.map((s) => s.url)).toEqual([
      '/agent/v1/computers/c-1/checkin',
      '/agent/v1/computers/c-1/checkin',
    ]);
  });

  it('moves on from a 5xx, but not from a refusal or a shed call', async () => {
    const servers = clientOf([a.url, b.url]);
    const answer = (status: number, headers: Record<string, string> = {}) =>
      ((_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ error: `e-${status}`, message: `answer ${status}` }));
      }) as Replica['behave'];

    a.behave = answer(401);
    await expect(client.checkin(AUTH, { inventory, absences: [] })).rejects.toMatchObject({
      status: 401,
    });
    a.behave = answer(503, { 'retry-after': '7' });
    await expect(client.checkin(AUTH, { inventory, absences: [] })).rejects.toMatchObject({
      status: 503,
      retryAfterSeconds: 7,
    });
    expect(b.seen).toEqual([]);
    expect(servers.current).toBe(a.url);

    a.behave = answer(500);
    expect(await client.checkin(AUTH, { inventory, absences: [] })).toMatchObject(checkinAnswer);
    expect(b.seen).toHaveLength(1);
    expect(servers.current).toBe(b.url);
  });

  it('resumes a download broken off by a dying replica on the next one, with a range', async () => {
    const servers = clientOf([a.url, b.url]);
    a.behave = (_req, res) => {
      res.writeHead(200, { 'content-length': FILE.length });
      res.write(FILE.subarray(0, 50_000), () => res.destroy());
    };
    const sink = new MemorySink();
    await client.download(AUTH, SHA, sink);
    expect(sink.data.equals(FILE)).toBe(true);
    expect(b.seen).toEqual([
      { url: `/agent/v1/content/${SHA}`, range: expect.stringMatching(/^bytes=[1-9]\d*-$/) },
    ]);
    expect(servers.current).toBe(b.url);
  });

  it('holds the push channel on the next replica once its replica dies, at once', async () => {
    const servers = clientOf([a.url, b.url]);
    const statuses: WakeStatus[] = [];
    let wakes = 0;
    const controller = new AbortController();
    const holding = client.wake(
      AUTH,
      () => (wakes += 1),
      controller.signal,
      (s) => statuses.push(s),
    );
    await waitFor('the channel on a', () => statuses.some((s) => s.type === 'connected'), 5000);
    expect(statuses[0]).toEqual({ type: 'connected', server: a.url });

    // a's process dies: its connections break, and it takes no new ones.
    b.behave = (req, res) => {
      serve(req, res);
      res.write('event: checkin\ndata: {}\n\n');
    };
    a.behave = (_req, res) => res.destroy();
    a.server.closeAllConnections();
    await waitFor('a wake-up through b', () => wakes === 1, 5000);
    expect(statuses.filter((s) => s.type === 'connected').at(-1)).toEqual({
      type: 'connected',
      server: b.url,
    });
    expect(servers.current).toBe(b.url);
    controller.abort();
    await holding;
  });

  describe('a name with several addresses', () => {
    const servers: Server[] = [];
    const hosts: string[][] = [[], []];
    let port: number;

    beforeAll(async () => {
      // The same port on two loopback addresses, as two replicas behind one name.
      for (const [i, address] of ['127.0.0.1', '127.0.0.2'].entries()) {
        const server = createServer((req, res) => {
          hosts[i]?.push(req.headers.host ?? '');
          serve(req, res);
        });
        await new Promise<void>((resolve) => server.listen(port ?? 0, address, resolve));
        port = (server.address() as AddressInfo).port;
        servers.push(server);
      }
    });
    afterAll(async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('tries each address as a replica, naming the host in every request', async () => {
      const url = `http://replicas.test:${port}`;
      const resolve: Resolver = () =>
        Promise.resolve([
          { address: '127.0.0.1', family: 4 },
          { address: '127.0.0.2', family: 4 },
        ]);
      const endpoints = await endpointsOf([url], resolve);
      switches = [];
      const list = new ServerList(
        endpoints.map((e) => e.id),
        0,
        (s) => switches.push(s),
      );
      client = new HttpServerClient({ servers: list, endpoints });
      await client.checkin(AUTH, { inventory, absences: [] });
      expect(hosts).toEqual([[`replicas.test:${port}`], []]);

      // The first address's replica dies: the next call goes to the other one.
      servers[0]?.closeAllConnections();
      await new Promise((resolve) => servers[0]?.close(resolve));
      await client.checkin(AUTH, { inventory, absences: [] });
      expect(hosts[1]).toEqual([`replicas.test:${port}`]);
      expect(list.current).toBe(`${url} at 127.0.0.2`);
      expect(switches.map((s) => s.from)).toEqual([`${url} at 127.0.0.1`]);
    });
  });

  describe('with a pinned CA', () => {
    let work: string;
    let pki: Pki;
    let trusted: Replica;
    let untrusted: Replica;
    /** At an address its certificate does not name (it names 127.0.0.1 and localhost). */
    let elsewhere: Replica;

    beforeAll(async () => {
      work = mkdtempSync(path.join(tmpdir(), 'rm-failover-tls-'));
      pki = makePki(work);
      const tls = (cert: string, key: string) => (handler: Handler) =>
        createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, handler);
      trusted = await replica(tls(pki.serverCert, pki.serverKey), 'https');
      // The same key and names, signed by the CA the agent does not pin.
      execFileSync(
        'openssl',
        [
          'x509',
          '-req',
          '-in',
          'server.csr',
          '-CA',
          'other-ca.pem',
          '-CAkey',
          'other-ca.key',
          '-CAcreateserial',
          '-days',
          '2',
          '-extfile',
          'server.ext',
          '-out',
          'other-server.pem',
        ],
        { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      untrusted = await replica(tls(path.join(work, 'other-server.pem'), pki.serverKey), 'https');
      elsewhere = await replica(tls(pki.serverCert, pki.serverKey), 'https', '127.0.0.2');
    });
    afterAll(async () => {
      await Promise.all([trusted.close(), untrusted.close(), elsewhere.close()]);
      rmSync(work, { recursive: true, force: true });
    });

    it('checks every replica against the pin, and passes over one it does not trust', async () => {
      const ca = readFileSync(pki.caCert, 'utf8');
      const servers = clientOf([untrusted.url, trusted.url], ca);
      expect(await client.checkin(AUTH, { inventory, absences: [] })).toMatchObject(checkinAnswer);
      expect(servers.current).toBe(trusted.url);
      expect(untrusted.seen).toEqual([]);
      expect(switches[0]?.reason).toContain('not trusted by the pinned CA');
      await client.close();

      clientOf([untrusted.url], ca);
      await expect(client.checkin(AUTH, { inventory, absences: [] })).rejects.toMatchObject({
        status: null,
        code: 'tls-failure',
      });
      expect(untrusted.seen).toEqual([]);
    });

    it('checks an address of a name against the name, not the address', async () => {
      const ca = readFileSync(pki.caCert, 'utf8');
      clientOf([elsewhere.url], ca);
      await expect(client.checkin(AUTH, { inventory, absences: [] })).rejects.toMatchObject({
        code: 'tls-failure',
      });
      await client.close();

      const port = new URL(elsewhere.url).port;
      const url = `https://localhost:${port}`;
      // The first address has nothing listening; the second is the replica.
      const endpoints = await endpointsOf([url], () =>
        Promise.resolve([
          { address: '127.0.0.3', family: 4 },
          { address: '127.0.0.2', family: 4 },
        ]),
      );
      const list = new ServerList(endpoints.map((e) => e.id));
      client = new HttpServerClient({ servers: list, endpoints, ca });
      expect(await client.checkin(AUTH, { inventory, absences: [] })).toMatchObject(checkinAnswer);
      expect(list.current).toBe(`${url} at 127.0.0.2`);
    });
  });
});
