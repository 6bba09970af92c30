import { describe, expect, it } from 'vitest';
import { adminRoutes } from '../contracts/admin-routes.js';
import { createCoreClient } from './client-core.js';
import { ApiError, ConnectionError } from './errors.js';
import { fetchTransport } from './fetch-transport.js';

type Seen = { url: string; init: RequestInit | undefined };

function fakeFetch(answer: () => Response, seen: Seen[]): typeof fetch {
  return (input, init) => {
    seen.push({
      url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      init,
    });
    return Promise.resolve(answer());
  };
}

describe('the browser transport: the typed client over fetch', () => {
  it('sends the declared method, path, token and JSON body, and parses the declared answer', async () => {
    const seen: Seen[] = [];
    const transport = fetchTransport(
      fakeFetch(() => Response.json({ count: 1, members: [{ id: 'c1', hostname: 'pc-1' }] }), seen),
    );
    const api = createCoreClient(adminRoutes, { url: '', token: 'tok', transport });
    expect(await api.previewGroup({ query: 'os = "linux"' })).toEqual({
      count: 1,
      members: [{ id: 'c1', hostname: 'pc-1' }],
    });
    expect(seen[0]?.url).toBe('/api/v1/groups/preview');
    expect(seen[0]?.init?.method).toBe('POST');
    expect(seen[0]?.init?.headers).toMatchObject({
      authorization: 'Bearer tok',
      'content-type': 'application/json',
    });
    expect(seen[0]?.init?.body).toBe('{"query":"os = \\"linux\\""}');
  });

  it("turns a 400 into ApiError with the server's fields, and no answer into ConnectionError", async () => {
    const bad = fetchTransport(
      fakeFetch(
        () =>
          Response.json(
            { error: 'validation-error', message: 'query: bad', details: { issues: [] } },
            { status: 400 },
          ),
        [],
      ),
    );
    const api = createCoreClient(adminRoutes, { url: '', token: 't', transport: bad });
    await expect(api.previewGroup({ query: 'x' })).rejects.toBeInstanceOf(ApiError);

    const down = fetchTransport(() => Promise.reject(new TypeError('Failed to fetch')));
    const offline = createCoreClient(adminRoutes, { url: '', token: 't', transport: down });
    const error: unknown = await offline.listGroups().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('Failed to fetch');
  });
});
