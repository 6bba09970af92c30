import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './support/engines.js';
import { injectChecked } from './support/declared-response.js';
import { waitFor } from './support/wait.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { inventoryFactory, manifestFactory, sha256 } from './factories/update.factory.js';
import type { Inventory } from '../src/contracts/inventory.js';
import type { UpdateManifestInput } from '../src/contracts/manifest.js';

const installScript = 'mkdir -p /opt/example && touch /opt/example/fix\n';

for (const engine of ENGINES) {
  describe(`admin and agent API on ${engine}`, () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(engine);
    });
    afterAll(async () => {
      await server.stop();
    });

    // Every answer is checked against its route's declared response schema.
    const inject = (options: Parameters<typeof injectChecked>[1]) =>
      injectChecked(server.app, options);

    const admin = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      inject({
        method,
        url,
        headers: server.adminHeaders,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });

    async function importUpdate(manifest: UpdateManifestInput, content = installScript) {
      const files = [
        { path: 'install.sh', sha256: sha256(content), size: Buffer.byteLength(content) },
      ];
      const first = await admin('POST', '/api/v1/updates', { manifest, files });
      if (first.statusCode === 409 && first.json<{ error: string }>().error === 'missing-content') {
        const put = await inject({
          method: 'PUT',
          url: `/api/v1/content/${sha256(content)}`,
          headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
          payload: content,
        });
        expect(put.statusCode).toBe(201);
        return admin('POST', '/api/v1/updates', { manifest, files });
      }
      return first;
    }

    async function enroll(inventory: Inventory, group?: string) {
      const token = await admin('POST', '/api/v1/enrollments', group ? { group } : {});
      expect(token.statusCode).toBe(201);
      const res = await inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        payload: { enrollmentToken: token.json<{ token: string }>().token, inventory },
      });
      expect(res.statusCode).toBe(201);
      return res.json<{ computerId: string; credential: string }>();
    }

    it('imports an update only once its content is uploaded, and refuses a changed re-import', async () => {
      const manifest = manifestFactory();
      const created = await importUpdate(manifest);
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ id: manifest.id, uninstallable: true });

      const again = await importUpdate(manifest);
      expect(again.statusCode).toBe(200);

      const changed = await importUpdate({ ...manifest, title: 'Something else' });
      expect(changed.statusCode).toBe(409);
      expect(changed.json()).toMatchObject({ error: 'conflict' });

      const listed = await admin('GET', '/api/v1/updates');
      expect(listed.json<{ items: { id: string }[] }>().items.map((u) => u.id)).toContain(
        manifest.id,
      );
    });

    it('rejects a bad manifest naming the field, and stores nothing', async () => {
      const manifest = { ...manifestFactory(), severity: 'catastrophic' };
      const res = await importUpdate(manifest as UpdateManifestInput);
      expect(res.statusCode).toBe(400);
      const body = res.json<{ error: string; message: string }>();
      expect(body.error).toBe('validation-error');
      expect(body.message).toContain('manifest.severity');
      expect((await admin('GET', `/api/v1/updates/${manifest.id}`)).statusCode).toBe(404);

      const escaping = await importUpdate({ ...manifestFactory(), files: ['../etc/passwd'] });
      expect(escaping.statusCode).toBe(400);
      expect(escaping.json<{ message: string }>().message).toContain('manifest.files.0');
    });

    it('refuses an upload whose bytes do not match the announced hash', async () => {
      const res = await inject({
        method: 'PUT',
        url: `/api/v1/content/${sha256('one thing')}`,
        headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: 'another thing',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'validation-error' });
    });

    it('answers 401 without a valid token, 404 for an unknown id, 400 naming a bad field', async () => {
      expect((await inject({ method: 'GET', url: '/api/v1/updates' })).statusCode).toBe(401);
      const wrong = await inject({
        method: 'GET',
        url: '/api/v1/updates',
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toMatchObject({ error: 'unauthorized' });

      const missing = await admin('GET', '/api/v1/deployments/dep_doesnotexist');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ error: 'not-found' });

      const bad = await admin('POST', '/api/v1/deployments', { update: 42, group: '' });
      expect(bad.statusCode).toBe(400);
      const body = bad.json<{ message: string; details: { issues: { field: string }[] } }>();
      expect(body.details.issues.map((i) => i.field)).toEqual(
        expect.arrayContaining(['update', 'group']),
      );

      const malformed = await inject({
        method: 'POST',
        url: '/api/v1/groups',
        headers: { ...server.adminHeaders, 'content-type': 'application/json' },
        payload: '{"name": ',
      });
      expect(malformed.statusCode).toBe(400);
    });

    it('deploys to a group: the agent gets the assignment, reports, and the deployment counts it', async () => {
      const manifest = manifestFactory();
      expect((await importUpdate(manifest)).statusCode).toBe(201);
      expect((await admin('POST', '/api/v1/groups', { name: `pilot-${engine}` })).statusCode).toBe(
        201,
      );
      const a = await enroll(inventoryFactory({ hostname: `a-${engine}` }), `pilot-${engine}`);
      const b = await enroll(inventoryFactory({ hostname: `b-${engine}` }), `pilot-${engine}`);

      const dep = await admin('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `pilot-${engine}`,
      });
      expect(dep.statusCode).toBe(201);
      const depId = dep.json<{ id: string }>().id;
      // The request does not tick: the leader opens the first phase at its next tick.
      await waitFor(
        'the first phase to open',
        async () =>
          (await admin('GET', `/api/v1/deployments/${depId}`)).json<{
            phases: { openedAt: string | null }[];
          }>().phases[0]?.openedAt != null,
        10_000,
      );

      const checkin = await inject({
        method: 'POST',
        url: `/agent/v1/computers/${a.computerId}/checkin`,
        headers: { authorization: `Bearer ${a.credential}` },
        payload: { inventory: inventoryFactory({ hostname: `a-${engine}` }) },
      });
      expect(checkin.statusCode).toBe(200);
      const assignments = checkin.json<{ assignments: { updateId: string; files: unknown[] }[] }>()
        .assignments;
      expect(assignments).toHaveLength(1);
      expect(assignments[0]?.updateId).toBe(manifest.id);

      const report = {
        seq: 1,
        updateId: manifest.id,
        deploymentId: depId,
        state: 'failed',
        reason: 'install-error',
        exitCode: 1,
        output: 'boom',
        at: new Date().toISOString(),
      };
      const post = (reports: unknown[]) =>
        inject({
          method: 'POST',
          url: `/agent/v1/computers/${a.computerId}/reports`,
          headers: { authorization: `Bearer ${a.credential}` },
          payload: { reports },
        });
      expect((await post([report])).json()).toEqual({ ackedSeq: 1 });
      // A resent report is acknowledged and applied once.
      expect((await post([report])).json()).toEqual({ ackedSeq: 1 });

      const shown = await admin('GET', `/api/v1/deployments/${depId}`);
      const view = shown.json<{ counts: Record<string, number> }>();
      expect(view.counts).toMatchObject({ failed: 1, pending: 1, installed: 0 });
      const targets = (await admin('GET', `/api/v1/deployments/${depId}/computers`)).json<{
        items: {
          hostname: string;
          state: string;
          reason: string | null;
          exitCode: number | null;
          attempts: number;
        }[];
      }>();
      const failed = targets.items.find((c) => c.hostname === `a-${engine}`);
      expect(failed).toMatchObject({ state: 'failed', reason: 'install-error', exitCode: 1 });

      // Computer A's credential on computer B's data is forbidden.
      const forbidden = await inject({
        method: 'POST',
        url: `/agent/v1/computers/${b.computerId}/checkin`,
        headers: { authorization: `Bearer ${a.credential}` },
        payload: { inventory: inventoryFactory() },
      });
      expect(forbidden.statusCode).toBe(403);

      // A failed computer is not offered the update again before the recurrence interval.
      const again = await inject({
        method: 'POST',
        url: `/agent/v1/computers/${a.computerId}/checkin`,
        headers: { authorization: `Bearer ${a.credential}` },
        payload: { inventory: inventoryFactory({ hostname: `a-${engine}` }) },
      });
      expect(again.json<{ assignments: unknown[]; ackedSeq: number }>()).toMatchObject({
        assignments: [],
        ackedSeq: 1,
      });
    });

    it('keeps query groups in step with inventory', async () => {
      const name = `osaka-linux-${engine}`;
      const created = await admin('POST', '/api/v1/groups', {
        name,
        query: 'os = "linux" and site = "osaka"',
      });
      expect(created.statusCode).toBe(201);
      const c = await enroll(inventoryFactory({ site: 'osaka', hostname: `q-${engine}` }));
      expect(
        (await admin('GET', `/api/v1/groups/${name}`)).json<{ members: { id: string }[] }>()
          .members,
      ).toEqual([{ id: c.computerId, hostname: `q-${engine}` }]);
      // The computer moves site: it leaves the group at its next check-in.
      await inject({
        method: 'POST',
        url: `/agent/v1/computers/${c.computerId}/checkin`,
        headers: { authorization: `Bearer ${c.credential}` },
        payload: { inventory: inventoryFactory({ site: 'kyoto', hostname: `q-${engine}` }) },
      });
      expect(
        (await admin('GET', `/api/v1/groups/${name}`)).json<{ memberCount: number }>().memberCount,
      ).toBe(0);

      const badQuery = await admin('POST', '/api/v1/groups', {
        name: `bad-${engine}`,
        query: 'color = "red"',
      });
      expect(badQuery.statusCode).toBe(400);
      expect(badQuery.json<{ message: string }>().message).toContain('unknown field "color"');
    });

    it('serves its OpenAPI document, generated from the schemas it validates with', async () => {
      const res = await inject({ method: 'GET', url: '/openapi.json' });
      const doc = res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/api/v1/deployments', '/agent/v1/computers/{id}/checkin']),
      );
      expect(doc.paths['/api/v1/deployments/{id}/rollback']).toHaveProperty('post');
    });

    it('answers every admin read and action in its declared shape', async () => {
      const manifest = manifestFactory();
      await importUpdate(manifest);
      const group = `shapes-${engine}`;
      await admin('POST', '/api/v1/groups', { name: group });
      const c = await enroll(inventoryFactory({ hostname: `s-${engine}` }));
      const ok = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
        const res = await admin(method, url, payload);
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
        return res;
      };
      await ok('POST', `/api/v1/groups/${group}/members`, { computers: [c.computerId] });
      await ok('PUT', `/api/v1/groups/${group}/windows`, {
        windows: [{ cron: '0 22 * * *', durationMinutes: 120, timezone: 'UTC' }],
      });
      await ok('POST', '/api/v1/deployments/dry-run', { update: manifest.id, group });
      const id = (await ok('POST', '/api/v1/deployments', { update: manifest.id, group })).json<{
        id: string;
      }>().id;
      for (const url of [
        '/api/v1/updates',
        `/api/v1/updates/${manifest.id}`,
        '/api/v1/enrollments',
        '/api/v1/computers',
        `/api/v1/computers/${c.computerId}`,
        '/api/v1/groups',
        `/api/v1/groups/${group}`,
        '/api/v1/deployments',
        `/api/v1/deployments/${id}`,
        `/api/v1/deployments/${id}/events`,
        `/api/v1/deployments/${id}/computers`,
        '/api/v1/reimage-requests',
      ]) {
        await ok('GET', url);
      }
      await ok('POST', `/api/v1/deployments/${id}/halt`, { reason: 'checking shapes' });
      await ok('POST', `/api/v1/deployments/${id}/resume`);
      await ok('POST', `/api/v1/deployments/${id}/redeploy`);
      const health = await inject({ method: 'GET', url: '/healthz' });
      expect(health.json()).toMatchObject({ status: 'ok' });
    });

    it('refuses a used-up enrollment token', async () => {
      const token = await admin('POST', '/api/v1/enrollments', { uses: 1 });
      const enrollOnce = () =>
        inject({
          method: 'POST',
          url: '/agent/v1/enroll',
          payload: {
            enrollmentToken: token.json<{ token: string }>().token,
            inventory: inventoryFactory(),
          },
        });
      expect((await enrollOnce()).statusCode).toBe(201);
      expect((await enrollOnce()).statusCode).toBe(401);
    });
  });
}
