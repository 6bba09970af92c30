import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const password = 'correct horse battery';

for (const engine of ENGINES) {
  describe(`sign-in rate limit on ${engine}`, () => {
    let server: TestServer;
    let now = Date.parse('2026-12-03T10:00:00Z');

    beforeAll(async () => {
      server = await startTestServer(
        engine,
        { now: () => now },
        { signInLimits: { perName: 3, perAddress: 6, windowSeconds: 600 } },
      );
      for (const name of ['gina', 'hank', 'ivan']) {
        const made = await injectChecked(server.app, {
          method: 'POST',
          url: '/api/v1/users',
          headers: server.adminHeaders,
          payload: { name, role: 'viewer', password },
        });
        expect(made.statusCode, made.body).toBe(201);
      }
    });
    afterAll(async () => {
      await server.stop();
    });

    const signIn = (name: string, pass: string, remoteAddress = '198.51.100.7') =>
      injectChecked(server.app, {
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { name, password: pass },
        remoteAddress,
      });

    it('refuses a name after its failures with 429 and Retry-After, even with the right password, until the window passes', async () => {
      for (let i = 0; i < 3; i++) expect((await signIn('gina', 'wrong')).statusCode).toBe(401);
      now += 60_000;
      const held = await signIn('gina', password);
      expect(held.statusCode).toBe(429);
      // The first failure leaves the 600 s window 540 s from now.
      expect(held.headers['retry-after']).toBe('540');
      expect(held.json()).toMatchObject({
        error: 'too-many-requests',
        details: { retryAfterSeconds: 540 },
      });
      // Case does not make a new name.
      expect((await signIn('GINA', password)).statusCode).toBe(429);
      // Another name from the same address is not held back by gina's failures alone.
      expect((await signIn('hank', password)).statusCode).toBe(201);

      now += 540_000;
      expect((await signIn('gina', password)).statusCode).toBe(201);
    });

    it('refuses an address that tries many names, and not the other addresses', async () => {
      const from = '203.0.113.9';
      const names = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
      for (const name of names) expect((await signIn(name, 'wrong', from)).statusCode).toBe(401);
      const held = await signIn('ivan', password, from);
      expect(held.statusCode).toBe(429);
      expect(Number(held.headers['retry-after'])).toBe(600);
      expect((await signIn('ivan', password, '203.0.113.10')).statusCode).toBe(201);
    });

    it('clears a name on a right password, so old failures do not add up', async () => {
      const from = '192.0.2.44';
      for (let i = 0; i < 2; i++) await signIn('hank', 'wrong', from);
      expect((await signIn('hank', password, from)).statusCode).toBe(201);
      for (let i = 0; i < 2; i++) await signIn('hank', 'wrong', from);
      expect((await signIn('hank', password, from)).statusCode).toBe(201);
    });

    it('records every sign-in in the audit log: refused, held back and accepted, without the password', async () => {
      const res = await injectChecked(server.app, {
        method: 'GET',
        url: '/api/v1/audit?action=signIn&limit=200',
        headers: server.adminHeaders,
      });
      expect(res.statusCode, res.body).toBe(200);
      const entries = res.json<{
        items: { status: number; from: string; actor: string | null; body: unknown }[];
      }>().items;
      const statuses = new Set(entries.map((e) => e.status));
      expect(statuses).toEqual(new Set([201, 401, 429]));
      const held = entries.find((e) => e.status === 429 && e.from === '198.51.100.7');
      expect(held).toMatchObject({
        actor: null,
        from: '198.51.100.7',
        body: { name: 'GINA', password: '[redacted]' },
      });
      expect(JSON.stringify(entries)).not.toContain(password);
    });
  });
}
