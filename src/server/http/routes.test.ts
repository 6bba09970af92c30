import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../contracts/openapi.js';
import { openApiPath } from '../../contracts/route.js';
import type { Services } from '../services/index.js';
import { z } from 'zod';
import { route } from '../../contracts/route.js';
import { installRoutes } from './app.js';
import { installErrorHandler } from './error-handler.js';
import { registerRoutes } from './register.js';

/** Registration reads no service; a request reaches only the authenticator. */
const services = {
  hub: { closeAll: () => {} },
  auth: {
    admin: () =>
      Promise.resolve({
        tokenId: 't',
        name: 'test',
        role: 'admin',
        from: '',
        userId: null,
        groupScope: null,
      }),
    computer: () => Promise.reject(new Error('no computers here')),
  },
} as unknown as Services;

/** Every route Fastify registers, as `METHOD /path/{param}`. */
function recordRoutes(app: FastifyInstance): string[] {
  const seen: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      // Fastify adds a HEAD beside each GET by itself.
      if (method !== 'HEAD') seen.push(`${method} ${openApiPath(r.url)}`);
    }
  });
  return seen;
}

function documented(): string[] {
  const paths = buildOpenApi('test').paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** What the app serves and the OpenAPI document does not tell, and the reverse. */
async function compare(extra?: (app: FastifyInstance) => void) {
  const app = Fastify();
  const registered = recordRoutes(app);
  installRoutes(app, services);
  extra?.(app);
  await app.ready();
  await app.close();
  const doc = documented();
  return {
    undocumented: registered.filter((r) => !doc.includes(r)),
    unregistered: doc.filter((d) => !registered.includes(d)),
    registered,
  };
}

describe('the routes and the OpenAPI document', () => {
  it('document exactly the routes the server registers', async () => {
    const { undocumented, unregistered, registered } = await compare();
    expect(undocumented).toEqual([]);
    expect(unregistered).toEqual([]);
    expect(registered).toContain('POST /agent/v1/computers/{id}/checkin');
    expect(registered).toContain('PUT /api/v1/content/{sha256}');
  });

  it('catch a route registered by hand, outside the declarations', async () => {
    const { undocumented } = await compare((app) => app.get('/api/v1/secret', () => 'hidden'));
    expect(undocumented).toEqual(['GET /api/v1/secret']);
  });

  it('declare no body for promote, which takes none', () => {
    const paths = buildOpenApi('test').paths as Record<string, Record<string, object>>;
    expect(paths['/api/v1/deployments/{id}/promote']?.post).not.toHaveProperty('requestBody');
    expect(paths['/api/v1/deployments/{id}/halt']?.post).toMatchObject({
      requestBody: { required: false },
    });
    expect(paths['/api/v1/updates']?.post).toMatchObject({ requestBody: { required: true } });
  });

  it("say each person's route's permission, defaulted from the method where not declared", () => {
    const paths = buildOpenApi('test').paths as Record<string, Record<string, object>>;
    expect(paths['/api/v1/deployments/{id}/halt']?.post).toMatchObject({
      'x-permission': 'deploy',
    });
    expect(paths['/api/v1/groups']?.get).toMatchObject({ 'x-permission': 'read' });
    expect(paths['/api/v1/groups']?.post).toMatchObject({ 'x-permission': 'admin' });
    expect(paths['/api/v1/me']?.get).toMatchObject({ 'x-permission': 'self' });
    expect(paths['/healthz']?.get).not.toHaveProperty('x-permission');
  });
});

describe('a declared route', () => {
  async function app() {
    const app = Fastify();
    installRoutes(app, services);
    await app.ready();
    return app;
  }

  it('answers 400 naming a bad path parameter', async () => {
    const res = await (
      await app()
    ).inject({
      method: 'PUT',
      url: '/api/v1/content/not-a-hash',
      headers: { authorization: 'Bearer t', 'content-type': 'application/octet-stream' },
      payload: 'abc',
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: string; details: { issues: { field: string }[] } }>();
    expect(body.error).toBe('validation-error');
    expect(body.details.issues.map((i) => i.field)).toEqual(['sha256']);
  });

  it('refuses a JSON body where the route takes raw bytes', async () => {
    const res = await (
      await app()
    ).inject({
      method: 'PUT',
      url: `/api/v1/content/${'a'.repeat(64)}`,
      headers: { authorization: 'Bearer t' },
      payload: { bytes: 'abc' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'validation-error' });
  });

  it('answers 400 naming a bad query field, and hands the handler parsed values', async () => {
    const app = Fastify();
    installErrorHandler(app);
    const probe = {
      list: route({
        method: 'GET',
        path: '/probe',
        summary: 'a route only this test declares',
        auth: 'public',
        query: z.object({ limit: z.coerce.number().int().positive().default(10) }),
        response: z.object({ limit: z.number() }),
      }),
    };
    registerRoutes(
      app,
      probe,
      { list: ({ query }) => ({ limit: query.limit }) },
      () => services.auth,
    );
    const bad = await app.inject({ method: 'GET', url: '/probe?limit=lots' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ details: { issues: { field: string }[] } }>().details.issues).toEqual([
      { field: 'limit', message: expect.any(String) },
    ]);
    expect((await app.inject({ method: 'GET', url: '/probe?limit=3' })).json()).toEqual({
      limit: 3,
    });
    expect((await app.inject({ method: 'GET', url: '/probe' })).json()).toEqual({ limit: 10 });
  });

  it('checks the credential before it reads the body', async () => {
    const res = await (
      await app()
    ).inject({
      method: 'POST',
      url: '/agent/v1/computers/c1/checkin',
      headers: { 'content-type': 'application/json' },
      payload: '{"inventory": ',
    });
    expect(res.statusCode).toBe(401);
  });
});
