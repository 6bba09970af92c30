import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { manifestFactory, sha256 } from './factories/update.factory.js';

const hour = 3600_000;

for (const engine of ENGINES) {
  describe(`people, tokens and sign-in on ${engine}`, () => {
    let server: TestServer;
    let now = Date.parse('2026-12-03T10:00:00Z');

    beforeAll(async () => {
      server = await startTestServer(engine, { now: () => now });
    });
    afterAll(async () => {
      await server.stop();
    });

    const call = (
      method: 'GET' | 'POST' | 'PUT',
      url: string,
      token: string | null,
      payload?: unknown,
    ) =>
      injectChecked(server.app, {
        method,
        url,
        headers: token === null ? server.adminHeaders : { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
    const admin = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      call(method, url, null, payload);

    async function signIn(name: string, password: string) {
      return injectChecked(server.app, {
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { name, password },
      });
    }

    async function user(name: string, role: string, extra: Record<string, unknown> = {}) {
      const res = await admin('POST', '/api/v1/users', {
        name,
        role,
        password: 'correct horse battery',
        ...extra,
      });
      expect(res.statusCode, res.body).toBe(201);
      const session = await signIn(name, 'correct horse battery');
      expect(session.statusCode).toBe(201);
      return session.json<{ token: string; tokenId: string }>();
    }

    it('signs in with the right password, by name or e-mail, and says who I am', async () => {
      await user('alice', 'operator', { email: 'alice@example.com', displayName: 'Alice A.' });
      const byEmail = await signIn('alice@example.com', 'correct horse battery');
      expect(byEmail.statusCode).toBe(201);
      const session = byEmail.json<{ token: string; expiresAt: string }>();
      expect(session.token).toMatch(/^rm_session_/);
      expect(Date.parse(session.expiresAt)).toBe(now + 12 * hour);

      const me = await call('GET', '/api/v1/me', session.token);
      expect(me.json()).toMatchObject({
        name: 'alice',
        displayName: 'Alice A.',
        role: 'operator',
        permissions: ['self', 'read', 'deploy'],
        groupScope: null,
      });
    });

    it('refuses a wrong password and an unknown user with the same answer', async () => {
      await user('bob', 'viewer');
      const wrong = await signIn('bob', 'not his password');
      const unknown = await signIn('nobody-at-all', 'not his password');
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.json<{ message: string }>().message).toBe('the user name or password is wrong');
      expect(unknown.json<{ message: string }>().message).toBe(
        wrong.json<{ message: string }>().message,
      );
    });

    it('refuses an expired token, saying so', async () => {
      const bob = await signIn('bob', 'correct horse battery');
      const made = await call('POST', '/api/v1/tokens', bob.json<{ token: string }>().token, {
        name: 'short',
        expiresInSeconds: 60,
      });
      expect(made.statusCode).toBe(201);
      const token = made.json<{ token: string; id: string }>();
      expect((await call('GET', '/api/v1/groups', token.token)).statusCode).toBe(200);
      now += 61_000;
      const refused = await call('GET', '/api/v1/groups', token.token);
      expect(refused.statusCode).toBe(401);
      expect(refused.json<{ message: string }>().message).toMatch(
        new RegExp(`token ${token.id} expired at `),
      );
    });

    it('refuses a revoked token at once, saying by whom', async () => {
      const carol = await user('carol', 'viewer');
      expect((await call('GET', '/api/v1/me', carol.token)).statusCode).toBe(200);
      const revoked = await admin('POST', `/api/v1/tokens/${carol.tokenId}/revoke`);
      expect(revoked.json()).toMatchObject({ revokedBy: 'first admin', user: 'carol' });
      const refused = await call('GET', '/api/v1/me', carol.token);
      expect(refused.statusCode).toBe(401);
      expect(refused.json<{ message: string }>().message).toMatch(
        /was revoked at .* by first admin/,
      );
    });

    it('lets a user see and revoke only their own tokens', async () => {
      const dave = await user('dave', 'viewer');
      const erin = await user('erin', 'viewer');
      const mine = await call('GET', '/api/v1/tokens', dave.token);
      expect(mine.json<{ user: string }[]>().map((t) => t.user)).toEqual(['dave']);
      const other = await call('POST', `/api/v1/tokens/${erin.tokenId}/revoke`, dave.token);
      expect(other.statusCode).toBe(403);
      expect(other.json()).toMatchObject({ details: { permission: 'admin' } });
      const forOther = await call('POST', '/api/v1/tokens', dave.token, { user: 'erin' });
      expect(forOther.statusCode).toBe(403);
      const own = await call('POST', `/api/v1/tokens/${dave.tokenId}/revoke`, dave.token);
      expect(own.statusCode).toBe(200);
    });

    it('applies a role change and a disable at once', async () => {
      const frank = await user('frank', 'viewer');
      const before = await call('POST', '/api/v1/deployments/dry-run', frank.token, {
        update: 'x',
        group: 'y',
      });
      expect(before.statusCode).toBe(403);
      await admin('PUT', '/api/v1/users/frank', { role: 'operator' });
      const after = await call('POST', '/api/v1/deployments/dry-run', frank.token, {
        update: 'x',
        group: 'y',
      });
      expect(after.statusCode).toBe(404);

      const disabled = await admin('PUT', '/api/v1/users/frank', { disabled: true });
      expect(disabled.json()).toMatchObject({ disabledBy: 'first admin' });
      const refused = await call('GET', '/api/v1/me', frank.token);
      expect(refused.statusCode).toBe(401);
      expect(refused.json<{ message: string }>().message).toMatch(/user frank was disabled/);
      expect((await signIn('frank', 'correct horse battery')).statusCode).toBe(401);
    });

    it('asks the first admin, who has no user account, whose token to create', async () => {
      const res = await admin('POST', '/api/v1/tokens', {});
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ details: { issues: [{ field: 'user' }] } });
    });

    it('refuses a bad user with a 400 naming the field, and a taken name with a 409', async () => {
      const bad = await admin('POST', '/api/v1/users', { name: 'a b', role: 'king' });
      expect(bad.statusCode).toBe(400);
      const fields = bad.json<{ details: { issues: { field: string }[] } }>().details.issues;
      expect(fields.map((i) => i.field)).toEqual(expect.arrayContaining(['name', 'role']));
      const taken = await admin('POST', '/api/v1/users', { name: 'alice', role: 'viewer' });
      expect(taken.statusCode).toBe(409);
    });

    it('keeps a scoped operator to deployments within their groups, and names them in events', async () => {
      const manifest = manifestFactory();
      const content = 'echo hi\n';
      const files = [{ path: 'install.sh', sha256: sha256(content), size: content.length }];
      await server.app.inject({
        method: 'PUT',
        url: `/api/v1/content/${sha256(content)}`,
        headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: content,
      });
      expect((await admin('POST', '/api/v1/updates', { manifest, files })).statusCode).toBe(201);
      for (const name of ['tokyo', 'paris']) {
        expect((await admin('POST', '/api/v1/groups', { name })).statusCode).toBe(201);
      }
      const gina = await user('gina', 'operator', { groupScope: ['tokyo'] });

      const outside = await call('POST', '/api/v1/deployments', gina.token, {
        update: manifest.id,
        groups: ['tokyo', 'paris'],
      });
      expect(outside.statusCode).toBe(403);
      expect(outside.json()).toMatchObject({ details: { outside: ['paris'] } });

      const inside = await call('POST', '/api/v1/deployments', gina.token, {
        update: manifest.id,
        group: 'tokyo',
      });
      expect(inside.statusCode, inside.body).toBe(201);
      const id = inside.json<{ id: string }>().id;
      const halted = await call('POST', `/api/v1/deployments/${id}/halt`, gina.token, {});
      expect(halted.statusCode).toBe(200);
      const events = await call('GET', `/api/v1/deployments/${id}/events`, gina.token);
      expect(events.json<{ items: { actor: string }[] }>().items.map((e) => e.actor)).toContain(
        'gina',
      );

      const paris = await admin('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'paris',
      });
      expect(paris.statusCode).toBe(201);
      const parisId = paris.json<{ id: string }>().id;
      const refused = await call('POST', `/api/v1/deployments/${parisId}/halt`, gina.token, {});
      expect(refused.statusCode).toBe(403);
      expect(refused.json<{ message: string }>().message).toMatch(/outside that scope: paris/);
    });
  });
}
