import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '../src/contracts/paging.js';
import type { FailureReportView } from '../src/contracts/report.js';
import type {
  ChildComputerView,
  ChildStatusBatchView,
  ChildView,
  DeploymentTreeView,
  UpstreamChangesView,
  UpstreamStatusView,
} from '../src/contracts/upstream.js';
import { HELD_REASON } from '../src/server/upstream/upstream-sync.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { manifestFactory, sha256 } from './factories/update.factory.js';
import { waitFor } from './support/wait.js';

const install = 'touch /opt/upstream/fix\n';

/**
 * A parent and a child in one process (the parent listening, the child's sync driven a
 * pass at a time): who may call what, the numbered changes and their cursor, a pass
 * that changes nothing the second time, a hold that halts and an enable that resumes,
 * the pinned signer, and the statuses shown at the parent.
 */
for (const engine of ENGINES) {
  describe(`parent and child servers on ${engine}`, () => {
    let parent: TestServer;
    let child: TestServer;
    let childToken: string;
    const ids: string[] = [];
    const manifest = manifestFactory({ files: ['install.sh'] });

    const call = (
      server: TestServer,
      method: 'GET' | 'POST' | 'PUT',
      url: string,
      payload?: unknown,
      token?: string,
    ) =>
      server.app.inject({
        method,
        url,
        headers: token ? { authorization: `Bearer ${token}` } : server.adminHeaders,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
    const sync = () => {
      const upstream = child.services.upstream;
      if (!upstream) throw new Error('the child has no upstream');
      return upstream.sync();
    };
    const status = async () =>
      (await call(child, 'GET', '/api/v1/upstream')).json<UpstreamStatusView>();
    const local = async (parentId: string) => {
      const id = (await status()).deployments.find(
        (d) => d.parentDeploymentId === parentId,
      )?.localDeploymentId;
      if (!id) throw new Error(`no deployment made here from ${parentId}`);
      return (await call(child, 'GET', `/api/v1/deployments/${id}`)).json<{
        id: string;
        state: string;
        stateReason: string | null;
      }>();
    };

    beforeAll(async () => {
      parent = await startTestServer(engine);
      await parent.app.listen({ port: 0, host: '127.0.0.1' });
      const put = await parent.app.inject({
        method: 'PUT',
        url: `/api/v1/content/${sha256(install)}`,
        headers: { ...parent.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: install,
      });
      expect(put.statusCode).toBe(201);
      const files = [
        { path: 'install.sh', sha256: sha256(install), size: Buffer.byteLength(install) },
      ];
      expect((await call(parent, 'POST', '/api/v1/updates', { manifest, files })).statusCode).toBe(
        201,
      );
      expect((await call(parent, 'POST', '/api/v1/groups', { name: 'offices' })).statusCode).toBe(
        201,
      );
      for (let i = 0; i < 2; i += 1) {
        const created = await call(parent, 'POST', '/api/v1/deployments', {
          update: manifest.id,
          groups: ['offices'],
          allowDuplicate: true,
        });
        expect(created.statusCode).toBe(201);
        ids.push(created.json<{ id: string }>().id);
      }
      const added = await call(parent, 'POST', '/api/v1/children', { name: 'kyoto' });
      expect(added.statusCode).toBe(201);
      childToken = added.json<ChildView>().token ?? '';
      const { port } = parent.app.server.address() as AddressInfo;
      // No engine timer: the engine never leads, so the loop never syncs on its own.
      child = await startTestServer(engine, undefined, {
        engineIntervalMs: 0,
        upstream: {
          url: `http://127.0.0.1:${port}`,
          token: childToken,
          intervalMs: 3_600_000,
          maxBackoffMs: 3_600_000,
        },
      });
      expect((await call(child, 'POST', '/api/v1/groups', { name: 'offices' })).statusCode).toBe(
        201,
      );
    });
    afterAll(async () => {
      await child?.stop();
      await parent?.stop();
    });

    it('lets a child token do only what a child does, and only a child token do it', async () => {
      const read = await call(parent, 'GET', '/api/v1/deployments', undefined, childToken);
      expect(read.statusCode).toBe(403);
      expect(read.json<{ message: string }>().message).toContain('"read"');
      const admin = await call(parent, 'GET', '/api/v1/upstream/hello');
      expect(admin.statusCode).toBe(403);
      expect(admin.json<{ message: string }>().message).toContain('lacks the "child" permission');
      const hello = await call(parent, 'GET', '/api/v1/upstream/hello', undefined, childToken);
      expect(hello.json()).toMatchObject({ name: 'kyoto' });
      expect((await call(parent, 'POST', '/api/v1/children', { name: 'kyoto' })).statusCode).toBe(
        409,
      );
    });

    it('refuses an enablement that names nothing, or what does not exist', async () => {
      const none = await call(parent, 'POST', '/api/v1/children/kyoto/enable', {});
      expect(none.statusCode).toBe(400);
      expect(JSON.stringify(none.json())).toContain('deployment');
      const both = await call(parent, 'POST', '/api/v1/children/kyoto/enable', {
        deployment: ids[0],
        all: true,
      });
      expect(both.statusCode).toBe(400);
      expect(
        (await call(parent, 'POST', '/api/v1/children/kyoto/enable', { deployment: 'nope' }))
          .statusCode,
      ).toBe(404);
      expect(
        (await call(parent, 'POST', '/api/v1/children/nara/enable', { deployment: ids[0] }))
          .statusCode,
      ).toBe(404);
    });

    it('serves a bundle only for a deployment enabled for the child', async () => {
      const url = `/api/v1/upstream/deployments/${ids[0]}/bundle`;
      expect((await call(parent, 'GET', url, undefined, childToken)).statusCode).toBe(404);
    });

    it('makes an enabled deployment once, however many passes', async () => {
      await sync();
      expect((await status()).deployments).toEqual([]);
      const enabled = await call(parent, 'POST', '/api/v1/children/kyoto/enable', {
        deployment: ids[0],
      });
      expect(enabled.json()).toMatchObject({ changed: [ids[0]], enabled: true });
      await sync();
      await sync();
      const after = await status();
      expect(after).toMatchObject({ name: 'kyoto', cursor: 1, lastError: null });
      expect(after.deployments).toMatchObject([
        { parentDeploymentId: ids[0], enabled: true, error: null },
      ]);
      const list = await call(child, 'GET', '/api/v1/deployments');
      expect(list.json<{ items: unknown[] }>().items).toHaveLength(1);
      expect((await local(ids[0] ?? '')).state).toBe('active');
    });

    it('finds the deployment a pass made but did not record (a crash between the two)', async () => {
      const made = (await local(ids[0] ?? '')).id;
      await child.store.db
        .updateTable('upstream_deployments')
        .set({ local_deployment_id: null })
        .execute();
      await sync();
      expect((await local(ids[0] ?? '')).id).toBe(made);
      const list = await call(child, 'GET', '/api/v1/deployments');
      expect(list.json<{ items: unknown[] }>().items).toHaveLength(1);
      expect((await status()).deployments[0]?.error).toBeNull();
    });

    it('halts what it made when the parent holds it, and resumes it when enabled again', async () => {
      await call(parent, 'POST', '/api/v1/children/kyoto/hold', { deployment: ids[0] });
      await sync();
      expect(await local(ids[0] ?? '')).toMatchObject({
        state: 'halted',
        stateReason: HELD_REASON,
      });
      await call(parent, 'POST', '/api/v1/children/kyoto/enable', { deployment: ids[0] });
      await sync();
      expect((await local(ids[0] ?? '')).state).toBe('active');
      expect((await status()).cursor).toBe(3);
    });

    it('numbers the changes: a page after the cursor, and more when there is', async () => {
      const all = await call(parent, 'POST', '/api/v1/children/kyoto/enable', { all: true });
      // The first was enabled already: only the second changed.
      expect(all.json()).toMatchObject({ changed: [ids[1]] });
      const page = (after: number) =>
        call(
          parent,
          'GET',
          `/api/v1/upstream/changes?after=${after}&limit=1`,
          undefined,
          childToken,
        ).then((r) => r.json<UpstreamChangesView>());
      // A deployment's latest change replaces its earlier ones: the hold (2) is gone.
      expect(await page(1)).toEqual({
        changes: [{ seq: 3, deploymentId: ids[0], enabled: true, action: null }],
        cursor: 3,
        more: true,
      });
      expect(await page(3)).toEqual({
        changes: [{ seq: 4, deploymentId: ids[1], enabled: true, action: null }],
        cursor: 4,
        more: false,
      });
      expect(await page(4)).toEqual({ changes: [], cursor: 4, more: false });
    });

    it('refuses a bundle not signed by the key it pinned, and says why', async () => {
      await child.store.db
        .updateTable('upstream_link')
        .set({ signer: 'f'.repeat(64) })
        .execute();
      await sync();
      const refused = (await status()).deployments.find((d) => d.parentDeploymentId === ids[1]);
      expect(refused).toMatchObject({ localDeploymentId: null });
      expect(refused?.error).toContain(`not by the expected ${'f'.repeat(64)}`);
      const view = await call(parent, 'GET', `/api/v1/deployments/${ids[1]}/children`);
      expect(view.json<DeploymentTreeView>().children[0]?.error).toContain('not by the expected');
    });

    it('audits the admins enabling and holding, not the child syncing', async () => {
      const actions = (await parent.services.audit.list({ limit: 1000 })).items.map(
        (e) => e.action,
      );
      expect(actions).toContain('enableChild');
      expect(actions).toContain('holdChild');
      expect(actions.filter((a) => a.startsWith('upstream'))).toEqual([]);
    });

    it("shows each child's part of a deployment at the parent", async () => {
      const view = (
        await call(parent, 'GET', `/api/v1/deployments/${ids[0]}/children`)
      ).json<DeploymentTreeView>();
      expect(view.children).toMatchObject([
        {
          name: 'kyoto',
          sync: 'enabled',
          localDeploymentId: (await local(ids[0] ?? '')).id,
          state: 'active',
          error: null,
        },
      ]);
      expect(view.children[0]?.lastSyncAt).not.toBeNull();
      expect(view.children[0]?.lastReportAt).not.toBeNull();
      const list = (await call(parent, 'GET', '/api/v1/children')).json<ChildView[]>();
      expect(list[0]).toMatchObject({ name: 'kyoto', enabled: [ids[0], ids[1]], held: [] });
      expect(list[0]).not.toHaveProperty('token');
    });

    const computers = async (query = '') => {
      const res = await call(parent, 'GET', `/api/v1/children/kyoto/computers${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Page<ChildComputerView>>();
    };

    it("sends each computer's status up after the cursor the parent acknowledged", async () => {
      // The signer pinned again at the next contact (the test above spoiled it).
      await child.store.db.updateTable('upstream_link').set({ signer: null }).execute();
      const fleet = fleetDriver(child);
      const pcs = await fleet.enroll(3, 'offices', 'kyoto-pc');
      await child.services.engine.run();
      await fleet.cycle(pcs, (c) => (c === pcs[0] ? 'failed' : 'installed'));
      const made = await local(ids[0] ?? '');
      // A status is sent once it has settled: wait for the pass that sends them all.
      const page = await waitFor(
        'the statuses at the parent',
        async () => {
          await sync();
          const found = await computers(`?deployment=${ids[0]}`);
          return found.total === 3 && found;
        },
        30_000,
        200,
      );
      expect(page.items.map((c) => c.hostname)).toEqual([
        'kyoto-pc-000',
        'kyoto-pc-001',
        'kyoto-pc-002',
      ]);
      expect(page.items[0]).toMatchObject({
        child: 'kyoto',
        deploymentId: ids[0],
        localDeploymentId: made.id,
        updateId: manifest.id,
        state: 'failed',
        reason: 'install-error',
      });
      expect((await computers('?state=installed')).total).toBe(2);
      const first = await computers('?limit=2');
      expect(first.items).toHaveLength(2);
      const rest = await computers(`?limit=2&cursor=${first.nextCursor ?? ''}`);
      expect(rest.items.map((c) => c.hostname)).toEqual(['kyoto-pc-002']);
      const acked = (await status()).statusCursor;
      expect(acked).not.toBeNull();

      // The failure report names the child with its failed computers.
      const report = (
        await call(parent, 'GET', `/api/v1/deployments/${ids[0]}/failures`)
      ).json<FailureReportView>();
      expect(report.children).toEqual([
        { name: 'kyoto', failedComputers: 1, reasons: [{ reason: 'install-error', failures: 1 }] },
      ]);

      // Nothing changed since: a pass sends nothing and the cursor stays.
      await sync();
      expect((await status()).statusCursor).toBe(acked);
    });

    it('stores a batch sent again, or late, once, and refuses what no column holds', async () => {
      const [row] = (await computers('?state=failed')).items;
      if (!row) throw new Error('no failed computer at the parent');
      const send = (statuses: object[], cursor = 'c1') =>
        call(
          parent,
          'POST',
          '/api/v1/upstream/statuses',
          { after: null, cursor, statuses },
          childToken,
        );
      const older = {
        computerId: row.computerId,
        hostname: row.hostname,
        updateId: row.updateId,
        deploymentId: row.deploymentId,
        localDeploymentId: row.localDeploymentId,
        state: 'installing',
        reason: null,
        message: null,
        updatedAt: '2020-01-01T00:00:00.000Z',
        changedAt: '2020-01-01T00:00:00.000Z',
      };
      for (let i = 0; i < 2; i += 1) {
        const res = await send([older]);
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json<ChildStatusBatchView>()).toEqual({ received: 1, cursor: 'c1' });
      }
      // The status stored changed later on the child: the late one is ignored, no row added.
      expect((await computers()).total).toBe(3);
      expect((await computers('?state=failed')).items[0]?.state).toBe('failed');
      // A deployment not enabled for the child is not kept.
      const other = await send([{ ...older, deploymentId: 'dep_not_enabled' }]);
      expect(other.json<ChildStatusBatchView>().received).toBe(0);
      const nul = await send([{ ...older, hostname: 'bad\u0000name' }]);
      expect(nul.statusCode).toBe(400);
      expect(nul.body).toContain('statuses.0.hostname');
      const tooMany = await send(Array.from({ length: 501 }, () => older));
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.body).toContain('statuses');
      const unknown = await call(parent, 'GET', '/api/v1/children/nara/computers');
      expect(unknown.statusCode).toBe(404);
    });

    it('carries a halt, resume and rollback made on the parent to the child, once each', async () => {
      const made = await local(ids[0] ?? '');
      const act = (action: string, reason: string) =>
        call(parent, 'POST', `/api/v1/deployments/${ids[0]}/${action}`, { reason });
      const events = async () =>
        (await call(child, 'GET', `/api/v1/deployments/${made.id}/events?limit=500`)).json<{
          items: { type: string; actor: string; message: string }[];
        }>().items;

      expect((await act('halt', 'bad reports')).statusCode).toBe(200);
      await sync();
      await sync();
      const halted = await local(ids[0] ?? '');
      expect(halted.state).toBe('halted');
      expect(halted.stateReason).toContain('bad reports');
      const actor = `parent ${(await status()).parentUrl ?? ''}`;
      const halts = (await events()).filter(
        (e) => e.type === 'halt' && e.message.includes('bad reports'),
      );
      // Once, however many passes, and as the parent's.
      expect(halts).toHaveLength(1);
      expect(halts[0]?.actor).toBe(actor);
      expect(
        (await status()).deployments.find((d) => d.parentDeploymentId === ids[0])?.action,
      ).toEqual({ kind: 'halt', seq: expect.any(Number) as number, applied: true });

      expect((await act('resume', 'fixed')).statusCode).toBe(200);
      await sync();
      expect((await local(ids[0] ?? '')).state).toBe('active');

      // A halt of the child's own is not undone by the parent's resume.
      await call(child, 'POST', `/api/v1/deployments/${made.id}/halt`, { reason: 'local' });
      expect((await act('halt', 'again')).statusCode).toBe(200);
      expect((await act('resume', 'go on')).statusCode).toBe(200);
      await sync();
      expect(await local(ids[0] ?? '')).toMatchObject({ state: 'halted', stateReason: 'local' });
      await call(child, 'POST', `/api/v1/deployments/${made.id}/resume`, { reason: 'local' });

      expect((await act('rollback', 'pull it')).statusCode).toBe(200);
      await sync();
      expect((await local(ids[0] ?? '')).state).toBe('rolling-back');
      await sync();
      expect((await events()).filter((e) => e.type === 'rollback')).toHaveLength(1);
    });

    it('starts a deployment halted on the parent halted on a child enabled for it after', async () => {
      // Another group: the child refuses a second live deployment of an update to a group.
      for (const server of [parent, child]) {
        expect((await call(server, 'POST', '/api/v1/groups', { name: 'labs' })).statusCode).toBe(
          201,
        );
      }
      const created = await call(parent, 'POST', '/api/v1/deployments', {
        update: manifest.id,
        groups: ['labs'],
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json<{ id: string }>().id;
      await call(parent, 'POST', `/api/v1/deployments/${id}/halt`, { reason: 'wait for it' });
      await call(parent, 'POST', '/api/v1/children/kyoto/enable', { deployment: id });
      await sync();
      const made = await local(id);
      expect(made.state).toBe('halted');
      expect(made.stateReason).toContain('wait for it');
    });
  });
}
