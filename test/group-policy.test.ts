import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';

for (const engine of ENGINES) {
  describe(`a group's client policy on ${engine}`, () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(engine);
    });
    afterAll(async () => {
      await server.stop();
    });

    const admin = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      server.app.inject({
        method,
        url,
        headers: server.adminHeaders,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });

    it('is set at creation, changed, cleared, and shown in show and list', async () => {
      const created = await admin('POST', '/api/v1/groups', { name: 'kiosks', policy: 'notify' });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ name: 'kiosks', policy: 'notify' });

      const changed = await admin('PUT', '/api/v1/groups/kiosks/policy', {
        policy: 'auto-download',
      });
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toMatchObject({ policy: 'auto-download' });
      expect((await admin('GET', '/api/v1/groups/kiosks')).json()).toMatchObject({
        policy: 'auto-download',
      });

      const cleared = await admin('PUT', '/api/v1/groups/kiosks/policy', { policy: null });
      expect(cleared.json()).toMatchObject({ policy: null });
      const listed = (await admin('GET', '/api/v1/groups')).json<{ items: { name: string }[] }>();
      expect(listed.items.find((g) => g.name === 'kiosks')).toMatchObject({ policy: null });
    });

    it('is null for a group created without one', async () => {
      const created = await admin('POST', '/api/v1/groups', { name: 'plain' });
      expect(created.json()).toMatchObject({ policy: null });
    });

    it('refuses an unknown policy with a 400 naming the field, and an unknown group with 404', async () => {
      const bad = await admin('POST', '/api/v1/groups', { name: 'odd', policy: 'whenever' });
      expect(bad.statusCode).toBe(400);
      const body = bad.json<{ details: { issues: { field: string }[] } }>();
      expect(body.details.issues.map((i) => i.field)).toContain('policy');
      expect((await admin('GET', '/api/v1/groups/odd')).statusCode).toBe(404);

      const badSet = await admin('PUT', '/api/v1/groups/plain/policy', { policy: 'sometimes' });
      expect(badSet.statusCode).toBe(400);
      expect(
        badSet.json<{ details: { issues: { field: string }[] } }>().details.issues[0]?.field,
      ).toBe('policy');
      const missing = await admin('PUT', '/api/v1/groups/nope/policy', { policy: 'notify' });
      expect(missing.statusCode).toBe(404);
    });
  });
}
