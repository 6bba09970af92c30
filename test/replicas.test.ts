import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownPostgresDatabase } from './support/pg-database.js';
import { waitFor } from './support/wait.js';
import { adminApi, startServerProcess, type ServerProcess } from './support/processes.js';
import { inventoryFactory, manifestFactory } from './factories/update.factory.js';

/**
 * Two server processes on one PostgreSQL: exactly one runs the rollout engine and
 * another takes over when it dies; a wake-up sent through one reaches an agent
 * holding the push channel on the other.
 */
describe('two server replicas on PostgreSQL', () => {
  const adminToken = 'rm_admin_replicas-0123456789';
  const db = ownPostgresDatabase('ringmaster_replicas');
  let work: string;
  let a: ServerProcess;
  let b: ServerProcess;

  const admin = <T>(server: ServerProcess, method: string, route: string, body?: unknown) =>
    adminApi(server, adminToken)<T>(method, route, body);
  const health = async (server: ServerProcess) =>
    (await (await fetch(`${server.url}/healthz`)).json()) as {
      engineLeader: boolean;
      pushConnected: number;
    };

  beforeAll(async () => {
    await db.create();
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-replicas-'));
    a = await startServerProcess({
      dataDir: path.join(work, 'a'),
      adminToken,
      databaseUrl: db.url,
    });
    b = await startServerProcess({
      dataDir: path.join(work, 'b'),
      adminToken,
      databaseUrl: db.url,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    rmSync(work, { recursive: true, force: true });
    await db.drop();
  });

  it(
    'wakes an agent on one replica for a deployment made on the other',
    { timeout: 60_000 },
    async () => {
      // The update has no files: content across replicas is e2e-replica-content.test.ts.
      const manifest = manifestFactory({ files: [] });
      await admin(a, 'POST', '/api/v1/updates', { manifest, files: [] });
      await admin(a, 'POST', '/api/v1/groups', { name: 'all' });
      const token = await admin<{ token: string }>(a, 'POST', '/api/v1/enrollments', {
        group: 'all',
      });
      const enrolled = (await (
        await fetch(`${b.url}/agent/v1/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ enrollmentToken: token.token, inventory: inventoryFactory() }),
        })
      ).json()) as { computerId: string; credential: string };

      const controller = new AbortController();
      const stream = await fetch(`${b.url}/agent/v1/computers/${enrolled.computerId}/wake`, {
        headers: { authorization: `Bearer ${enrolled.credential}` },
        signal: controller.signal,
      });
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      await waitFor(
        'the push channel on b',
        async () => (await health(b)).pushConnected === 1,
        10_000,
      );
      const reader = stream.body!.getReader();
      let text = '';
      const woken = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return false;
          text += Buffer.from(value).toString();
          if (text.includes('event: checkin')) return true;
        }
      })();

      await admin(a, 'POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'all',
        plan: { phases: [{ name: 'all', percent: 100 }], emergency: { reason: 'test' } },
      });
      // A missing wake hangs here until the test's own timeout fails it.
      expect(await woken).toBe(true);
      controller.abort();
    },
  );

  it(
    'runs the engine on exactly one replica, and another takes over when it dies',
    { timeout: 60_000 },
    async () => {
      const leaders = await waitFor(
        'one leader',
        async () => {
          const h = await Promise.all([health(a), health(b)]);
          return h.filter((x) => x.engineLeader).length === 1 ? h : undefined;
        },
        15_000,
      );
      const [leader, follower] = leaders[0]?.engineLeader ? [a, b] : [b, a];
      leader.child.kill('SIGKILL');
      await waitFor(
        'the other replica to lead',
        async () => (await health(follower)).engineLeader,
        20_000,
      );
    },
  );
});
