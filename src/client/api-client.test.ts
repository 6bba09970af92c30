import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { DeploymentActionRequest, GroupDetailView } from '../contracts/api.js';
import type { UpdateManifestInput } from '../contracts/manifest.js';
import { statusStates } from '../domain/status.js';
import { z } from 'zod';
import { route } from '../contracts/route.js';
import { ApiError, ConnectionError, asSent, createApiClient, createClient } from './api-client.js';
import { close, listen, textServer } from '../cli/cli.test-support.js';

type Reply = { status: number; body: string; type?: string };
type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

let server: Server;
let url: string;
let reply: Reply;
const seen: Seen[] = [];

beforeEach(async () => {
  seen.length = 0;
  reply = { status: 200, body: '[]' };
  server = textServer((req, res, body) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    res.writeHead(reply.status, { 'content-type': reply.type ?? 'application/json' });
    res.end(reply.body);
  });
  url = await listen(server);
});

afterEach(async () => {
  await close(server);
});

const group = {
  id: 'g1',
  name: 'paris',
  kind: 'static',
  query: null,
  memberCount: 0,
  windows: [],
  policy: null,
  createdAt: '2026-11-25T10:00:00.000Z',
};

const deployment = {
  id: 'd1',
  updateId: 'u1',
  groups: ['paris'],
  state: 'halted',
  stateReason: null,
  action: 'install',
  emergency: null,
  deadline: null,
  waitingFor: null,
  createdAt: '2026-11-25T10:00:00.000Z',
  counts: Object.fromEntries(statusStates.map((state) => [state, 0])),
  total: 0,
  phases: [],
  plan: null,
  computers: [],
};

describe('ApiClient', () => {
  it('sends the bearer token and JSON body', async () => {
    reply = { status: 201, body: JSON.stringify(group) };
    const client = createApiClient({ url: `${url}/`, token: 'secret-token' });
    const created = await client.createGroup({ name: 'paris' });
    expect(created.name).toBe('paris');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url).toBe('/api/v1/groups');
    expect(seen[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ name: 'paris' });
  });

  it('encodes path parameters', async () => {
    reply = { status: 200, body: JSON.stringify({ ...group, members: [] }) };
    await createApiClient({ url, token: 't' }).getGroup('a b/c');
    expect(seen[0]?.url).toBe('/api/v1/groups/a%20b%2Fc');
  });

  it('turns an error body into an ApiError with status and body', async () => {
    const body = {
      error: 'validation-error',
      message: 'manifest.severity: Invalid option: expected one of "critical"|"important"',
      details: { issues: [{ field: 'manifest.severity', message: 'Invalid option' }] },
    };
    reply = { status: 400, body: JSON.stringify(body) };
    const error = await createApiClient({ url, token: 't' })
      // Deliberately incomplete: the fake server refuses it.
      .createUpdate({ manifest: { id: 'x' } as UpdateManifestInput, files: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const api = error as ApiError;
    expect(api.status).toBe(400);
    expect(api.body).toEqual(body);
    expect(api.message).toBe(
      'manifest.severity: Invalid option: expected one of "critical"|"important" (400 validation-error)',
    );
  });

  it('reports a non-JSON error page by its status', async () => {
    reply = { status: 502, body: '<html>Bad Gateway</html>', type: 'text/html' };
    const error = await createApiClient({ url, token: 't' })
      .listGroups()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(502);
    expect((error as ApiError).message).toBe('<html>Bad Gateway</html> (502 http-error)');
  });

  it('refuses an answer that breaks the contract, naming the field', async () => {
    const items = [{ ...group, memberCount: 'many' }];
    reply = { status: 200, body: JSON.stringify({ items, nextCursor: null, total: 1 }) };
    const error = await createApiClient({ url, token: 't' })
      .listGroups()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(
      /^unexpected answer from the server to GET \/api\/v1\/groups: items\.0\.memberCount: /,
    );
  });

  it('gives back the object exactly as the server sent it', async () => {
    const sent = { items: [{ ...group, extra: 'kept' }], nextCursor: null, total: 1 };
    reply = { status: 200, body: JSON.stringify(sent) };
    const groups = await createApiClient({ url, token: 't' }).listGroups();
    expect(groups.items[0]).not.toHaveProperty('extra');
    expect(asSent(groups)).toEqual(sent);
  });

  it('calls each route by its declaration: path, body and status', async () => {
    const client = createApiClient({ url, token: 't' });
    reply = { status: 200, body: JSON.stringify(deployment) };
    await client.haltDeployment('d 1', { reason: 'too many failures' });
    await client.promoteDeployment('d1');
    await client.resumeDeployment('d1');
    expect(seen.map((s) => [s.method, s.url, s.headers['content-type'], s.body])).toEqual([
      [
        'POST',
        '/api/v1/deployments/d%201/halt',
        'application/json',
        '{"reason":"too many failures"}',
      ],
      // promote takes no body, so none is sent
      ['POST', '/api/v1/deployments/d1/promote', undefined, ''],
      ['POST', '/api/v1/deployments/d1/resume', undefined, ''],
    ]);

    reply = { status: 201, body: JSON.stringify({ sha256: 'ab', size: 3 }) };
    const stored = await client.call('uploadContent', 'ab', {
      stream: Readable.from([Buffer.from('abc')]),
      size: 3,
    });
    expect(stored).toEqual({ status: 201, body: { sha256: 'ab', size: 3 } });
    expect(seen[3]).toMatchObject({
      method: 'PUT',
      url: '/api/v1/content/ab',
      headers: { 'content-type': 'application/octet-stream', 'content-length': '3' },
      body: 'abc',
    });
  });

  it('puts path parameters in order and the query after the body', async () => {
    const probe = {
      search: route({
        method: 'GET',
        path: '/probe/:site/computers/:os',
        summary: 'a route only this test declares',
        auth: 'admin',
        params: z.object({ site: z.string(), os: z.string() }),
        query: z.object({ limit: z.number().optional(), state: z.string().optional() }),
        response: z.array(z.string()),
      }),
    };
    const client = createClient(probe, { url, token: 't' });
    reply = { status: 200, body: '["pc-1"]' };
    expect(await client.search('paris 1', 'linux', { limit: 5, state: undefined })).toEqual([
      'pc-1',
    ]);
    await client.search('kyoto', 'darwin');
    expect(seen.map((s) => s.url)).toEqual([
      '/probe/paris%201/computers/linux?limit=5',
      '/probe/kyoto/computers/darwin',
    ]);
  });

  it('types each method from its declaration (checked by the compiler)', () => {
    const client = createApiClient({ url, token: 't' });
    expectTypeOf(client.getGroup).parameters.toEqualTypeOf<[string]>();
    expectTypeOf(client.getGroup).returns.resolves.toEqualTypeOf<GroupDetailView>();
    expectTypeOf(client.promoteDeployment).parameters.toEqualTypeOf<[string]>();
    expectTypeOf(client.haltDeployment).parameters.toEqualTypeOf<
      [string, DeploymentActionRequest?]
    >();
    // Never run: each line must not compile.
    const wrong = () => {
      // @ts-expect-error promote takes no body
      void client.promoteDeployment('d1', {});
      // @ts-expect-error the group's name is a path parameter
      void client.getGroup();
      // @ts-expect-error the body is checked against the request schema
      void client.createGroup({ nom: 'paris' });
    };
    expect(typeof wrong).toBe('function');
  });

  it('says when the server cannot be reached', async () => {
    await close(server);
    const error = await createApiClient({ url, token: 't' })
      .listGroups()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot reach the server at ${url}: .*ECONNREFUSED`),
    );
    server = createServer();
    await listen(server);
  });
});
