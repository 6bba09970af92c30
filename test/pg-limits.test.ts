import Fastify from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../src/contracts/inventory.js';
import { installErrorHandler } from '../src/server/http/error-handler.js';
import { inventoryFactory, manifestFactory, sha256 } from './factories/update.factory.js';
import { ENGINES, postgresUrl } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * What PostgreSQL cannot hold answered 500 there (SQLite took it): a NUL byte in any text,
 * an integer above 2^31 in an `integer` column. A real install's output may hold NULs
 * (UTF-16 on Windows) and its exit code may be 0xC0000005: such a report must be stored,
 * and anything else the columns cannot hold is a 400 naming the field, on both engines.
 */
const script = 'true\n';
const accessViolation = 0xc0000005; // 3221225477, a crashed Windows process

type Issues = { details: { issues: { field: string }[] } };

for (const engine of ENGINES) {
  describe(`what the columns cannot hold, on ${engine}`, () => {
    let server: TestServer;
    let computer: { computerId: string; credential: string };
    let updateId: string;
    let seq = 0;

    const admin = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
      server.app.inject({
        method,
        url,
        headers: server.adminHeaders,
        ...(payload ? { payload } : {}),
      });
    const agent = (url: string, payload: object) =>
      server.app.inject({
        method: 'POST',
        url: `/agent/v1/computers/${computer.computerId}/${url}`,
        headers: { authorization: `Bearer ${computer.credential}` },
        payload,
      });
    const fields = (res: { json<T>(): T }) => res.json<Issues>().details.issues.map((i) => i.field);
    const report = (overrides: object) => ({
      reports: [
        {
          seq: (seq += 1),
          updateId,
          deploymentId: null,
          state: 'failed',
          reason: 'install-error',
          at: '2026-12-01T10:00:00.000Z',
          ...overrides,
        },
      ],
    });
    const status = async () => {
      const res = await admin('GET', `/api/v1/computers/${computer.computerId}`);
      expect(res.statusCode).toBe(200);
      const statuses = res.json<{
        statuses: { exitCode: number | null; output: string | null }[];
      }>().statuses;
      return statuses[0];
    };
    const enroll = async (inventory: Inventory) => {
      const token = await admin('POST', '/api/v1/enrollments', {});
      return server.app.inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        payload: { enrollmentToken: token.json<{ token: string }>().token, inventory },
      });
    };

    beforeAll(async () => {
      server = await startTestServer(engine);
      const put = await server.app.inject({
        method: 'PUT',
        url: `/api/v1/content/${sha256(script)}`,
        headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: script,
      });
      expect(put.statusCode).toBe(201);
      const manifest = manifestFactory({ files: ['install.sh'] });
      const files = [{ path: 'install.sh', sha256: sha256(script), size: script.length }];
      expect((await admin('POST', '/api/v1/updates', { manifest, files })).statusCode).toBe(201);
      updateId = manifest.id;
      const enrolled = await enroll(inventoryFactory());
      expect(enrolled.statusCode).toBe(201);
      computer = enrolled.json();
    });
    afterAll(async () => {
      await server.stop();
    });

    it('stores a report whose exit code is 0xC0000005, and the next report goes through', async () => {
      const res = await agent('reports', report({ exitCode: accessViolation }));
      expect(res.statusCode).toBe(200);
      expect((await status())?.exitCode).toBe(accessViolation);
      const next = await agent('reports', report({ exitCode: -accessViolation }));
      expect(next.statusCode).toBe(200);
      expect(next.json()).toEqual({ ackedSeq: seq });
      expect((await status())?.exitCode).toBe(-accessViolation);
    });

    it('stores install output holding NUL bytes, with each NUL replaced by a visible mark', async () => {
      const output = 'E\u0000r\u0000r\u0000o\u0000r\u0000';
      const res = await agent('reports', report({ output, exitCode: 1 }));
      expect(res.statusCode).toBe(200);
      expect((await status())?.output).toBe('E␀r␀r␀o␀r␀');
    });

    it('refuses a NUL in other text of a report, a check-in or an enrollment, naming the field', async () => {
      const refused = await agent('reports', report({ message: 'bad\u0000' }));
      expect(refused.statusCode).toBe(400);
      expect(fields(refused)).toEqual(['reports.0.message']);

      const checkin = await agent('checkin', {
        inventory: inventoryFactory({ hostname: 'pc\u0000' }),
        events: [
          {
            kind: 'server-unreachable',
            from: '2026-12-01T09:00:00.000Z',
            to: '2026-12-01T09:30:00.000Z',
            detail: 'ECONNRESET\u0000',
          },
        ],
      });
      expect(checkin.statusCode).toBe(400);
      expect(fields(checkin)).toEqual(['inventory.hostname', 'events.0.detail']);

      const enrolled = await enroll(inventoryFactory({ hardwareId: 'hw\u0000' }));
      expect(enrolled.statusCode).toBe(400);
      expect(fields(enrolled)).toEqual(['inventory.hardwareId']);
      const token = await server.app.inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        payload: { enrollmentToken: 'rm_\u0000', inventory: inventoryFactory() },
      });
      expect(token.statusCode).toBe(400);
      expect(fields(token)).toEqual(['enrollmentToken']);
    });

    it('refuses a NUL in a group query, a reason or an id, naming the field', async () => {
      const group = await admin('POST', '/api/v1/groups', {
        name: 'nul',
        query: 'hostname = "a\u0000"',
      });
      expect(group.statusCode).toBe(400);
      expect(fields(group)).toEqual(['query']);

      const computerById = await admin('GET', '/api/v1/computers/pc%00');
      expect(computerById.statusCode).toBe(400);
      expect(fields(computerById)).toEqual(['id']);

      const halt = await admin('POST', '/api/v1/deployments/dep%00/halt', { reason: 'x\u0000' });
      expect(halt.statusCode).toBe(400);
      expect(fields(halt)).toEqual(['id', 'reason']);
    });

    it('stores an enrollment token with more than 2^31 uses', async () => {
      const res = await admin('POST', '/api/v1/enrollments', { uses: 2 ** 31 + 1 });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ usesLeft: 2 ** 31 + 1 });
    });
  });
}

describe('a value PostgreSQL refuses, past every input check', () => {
  it('is a 400 the agent can set aside, not a 500 it resends for ever; a bug stays a 500', async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    const app = Fastify();
    installErrorHandler(app);
    app.get('/refused', async () => {
      await client.query('select $1::integer', [String(accessViolation)]);
      return {};
    });
    app.get('/bug', () => {
      throw new Error('a bug');
    });
    try {
      const refused = await app.inject({ method: 'GET', url: '/refused' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ error: 'unstorable' });
      expect((await app.inject({ method: 'GET', url: '/bug' })).statusCode).toBe(500);
    } finally {
      await app.close();
      await client.end();
    }
  });
});
