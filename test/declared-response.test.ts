import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { injectChecked } from './support/declared-response.js';

/** The helper the API tests run every answer through must itself catch a wrong answer. */
describe('injectChecked', () => {
  const app = Fastify();
  app.get('/api/v1/groups', () => ({ items: [{ id: 'g1', name: 7 }], nextCursor: null, total: 1 }));
  app.get('/api/v1/groups/:name', (_req, reply) => reply.status(404).send({ message: 'gone' }));
  app.get('/api/v1/computers', () => ({ items: [], nextCursor: null, total: 0 }));
  app.get('/api/v1/undeclared', () => ({}));

  it('names the route and the field of a success body that breaks its schema', async () => {
    await expect(injectChecked(app, { method: 'GET', url: '/api/v1/groups' })).rejects.toThrow(
      /GET \/api\/v1\/groups → 200 breaks the listGroups response schema: items\.0\.name: .*items\.0\.kind/,
    );
  });

  it('checks an error answer against the error body', async () => {
    await expect(injectChecked(app, { method: 'GET', url: '/api/v1/groups/x' })).rejects.toThrow(
      /GET \/api\/v1\/groups\/x → 404 breaks the error response schema: error: /,
    );
  });

  it('refuses an answer from a route nobody declared', async () => {
    await expect(injectChecked(app, { method: 'GET', url: '/api/v1/undeclared' })).rejects.toThrow(
      /no route declares it/,
    );
  });

  it('lets a body of the declared shape through', async () => {
    const res = await injectChecked(app, { method: 'GET', url: '/api/v1/computers' });
    expect(res.json()).toEqual({ items: [], nextCursor: null, total: 0 });
  });
});
