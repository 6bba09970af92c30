import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaselineComplianceView, BaselineView } from '../src/contracts/baseline.js';
import type { Inventory } from '../src/contracts/inventory.js';
import type { UpdateManifestInput } from '../src/contracts/manifest.js';
import type { Page } from '../src/contracts/paging.js';
import { baselineCsvColumns } from '../src/server/http/baseline.routes.js';
import { inventoryFactory, manifestFactory, sha256 } from './factories/update.factory.js';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const script = 'echo fix\n';
const start = Date.parse('2026-12-01T10:00:00.000Z');
const minute = 60_000;

for (const engine of ENGINES) {
  describe(`baselines and compliance to them on ${engine}`, () => {
    let server: TestServer;
    let now = start;
    const inject = (options: Parameters<typeof injectChecked>[1]) =>
      injectChecked(server.app, options);
    const admin = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      inject({
        method,
        url,
        headers: server.adminHeaders,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });

    async function importUpdate(manifest: UpdateManifestInput) {
      const files = [{ path: 'install.sh', sha256: sha256(script), size: script.length }];
      await inject({
        method: 'PUT',
        url: `/api/v1/content/${sha256(script)}`,
        headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: script,
      });
      expect((await admin('POST', '/api/v1/updates', { manifest, files })).statusCode).toBe(201);
    }

    type Pc = { computerId: string; credential: string; inventory: Inventory };
    async function enroll(inventory: Inventory): Promise<Pc> {
      const token = await admin('POST', '/api/v1/enrollments', { group: 'office' });
      const res = await inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        payload: { enrollmentToken: token.json<{ token: string }>().token, inventory },
      });
      expect(res.statusCode).toBe(201);
      return { ...res.json<{ computerId: string; credential: string }>(), inventory };
    }
    const agent = (pc: Pc, path: string, payload: unknown) =>
      inject({
        method: 'POST',
        url: `/agent/v1/computers/${pc.computerId}${path}`,
        headers: { authorization: `Bearer ${pc.credential}` },
        payload: payload as Record<string, unknown>,
      });
    const scan = async (pc: Pc, findings: { updateId: string; result: string }[]) => {
      const at = new Date(now).toISOString();
      expect((await agent(pc, '/scan', { scannedAt: at, full: true, findings })).statusCode).toBe(
        200,
      );
      await agent(pc, '/checkin', { inventory: pc.inventory, scannedAt: at });
    };

    const a = manifestFactory({ platforms: [{ os: 'linux' }] });
    const b = manifestFactory({ platforms: [{ os: 'linux' }] });
    const w = manifestFactory({ platforms: [{ os: 'windows' }] });
    const extra = manifestFactory({ platforms: [{ os: 'linux' }] });
    let good: Pc;
    let broken: Pc;
    let silent: Pc;
    let deploymentId: string;

    beforeAll(async () => {
      server = await startTestServer(engine, { now: () => now });
      for (const m of [a, b, w, extra]) await importUpdate(m);
      await admin('POST', '/api/v1/groups', { name: 'office' });
      await admin('POST', '/api/v1/groups', { name: 'lab' });
      good = await enroll(inventoryFactory({ hostname: 'good-1' }));
      broken = await enroll(inventoryFactory({ hostname: 'broken-1' }));
      silent = await enroll(inventoryFactory({ hostname: 'silent-1' }));
      await admin('POST', '/api/v1/groups/office/members', {
        computers: [good.computerId, broken.computerId, silent.computerId],
      });
      const created = await admin('POST', '/api/v1/deployments', {
        updates: [a.id, extra.id],
        group: 'lab',
        plan: { phases: [{ name: 'all', percent: 100 }] },
      });
      expect(created.statusCode, created.body).toBe(201);
      deploymentId = created.json<{ id: string }>().id;
    });
    afterAll(async () => {
      await server.stop();
    });

    it('creates a baseline for groups, shows it, and refuses a taken name, an unknown group or update, a bad name', async () => {
      const created = await admin('POST', '/api/v1/baselines', {
        name: 'office-2026',
        description: 'what every office computer must have',
        groups: ['office'],
        updates: [b.id, a.id, a.id],
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({
        name: 'office-2026',
        description: 'what every office computer must have',
        groups: ['office'],
        updates: [a.id, b.id].sort(),
        createdBy: 'first admin',
      });
      expect((await admin('GET', '/api/v1/baselines/office-2026')).json()).toEqual(created.json());

      const taken = await admin('POST', '/api/v1/baselines', {
        name: 'office-2026',
        groups: ['office'],
      });
      expect(taken.statusCode).toBe(409);
      const noGroup = await admin('POST', '/api/v1/baselines', { name: 'x', groups: ['nope'] });
      expect(noGroup.statusCode).toBe(404);
      expect(noGroup.json()).toMatchObject({ details: { what: 'group', id: 'nope' } });
      const noUpdate = await admin('POST', '/api/v1/baselines', {
        name: 'x',
        groups: ['office'],
        updates: ['NO-SUCH'],
      });
      expect(noUpdate.statusCode).toBe(404);
      const badName = await admin('POST', '/api/v1/baselines', {
        name: 'a\u0000b',
        groups: [],
      });
      expect(badName.statusCode).toBe(400);
      expect(badName.json<{ message: string }>().message).toMatch(/name/);
      expect(badName.json<{ message: string }>().message).toMatch(/groups/);
      expect((await admin('GET', '/api/v1/baselines/x')).statusCode).toBe(404);
    });

    it("adds updates by id and a deployment's updates, removes one, and refuses what it does not hold", async () => {
      const added = await admin('POST', '/api/v1/baselines/office-2026/updates', {
        updates: [w.id],
        fromDeployment: deploymentId,
      });
      expect(added.statusCode, added.body).toBe(200);
      expect(added.json<BaselineView>().updates).toEqual([a.id, b.id, w.id, extra.id].sort());
      const removed = await admin('POST', '/api/v1/baselines/office-2026/updates/remove', {
        updates: [extra.id],
      });
      expect(removed.json<BaselineView>().updates).toEqual([a.id, b.id, w.id].sort());
      const notHeld = await admin('POST', '/api/v1/baselines/office-2026/updates/remove', {
        updates: [extra.id],
      });
      expect(notHeld.statusCode).toBe(404);
      const empty = await admin('POST', '/api/v1/baselines/office-2026/updates', {});
      expect(empty.statusCode).toBe(400);
      expect(empty.json<{ message: string }>().message).toContain('updates');
      const noDeployment = await admin('POST', '/api/v1/baselines/office-2026/updates', {
        fromDeployment: 'dep_none',
      });
      expect(noDeployment.statusCode).toBe(404);
    });

    it('lists baselines a page at a time', async () => {
      for (const name of ['lab-a', 'lab-b']) {
        expect(
          (await admin('POST', '/api/v1/baselines', { name, groups: ['lab'] })).statusCode,
        ).toBe(201);
      }
      const first = (await admin('GET', '/api/v1/baselines?limit=2')).json<Page<BaselineView>>();
      expect(first.total).toBe(3);
      expect(first.items.map((i) => i.name)).toEqual(['lab-a', 'lab-b']);
      expect(first.nextCursor).not.toBeNull();
      const second = (
        await admin('GET', `/api/v1/baselines?limit=2&cursor=${first.nextCursor ?? ''}`)
      ).json<Page<BaselineView>>();
      expect(second.items.map((i) => i.name)).toEqual(['office-2026']);
      expect(second.nextCursor).toBeNull();
      expect((await admin('GET', '/api/v1/baselines?sort=size')).statusCode).toBe(400);
    });

    it('tells per computer compliant, non-compliant with which updates are missing and why, or unknown', async () => {
      await scan(good, [
        { updateId: a.id, result: 'found' },
        { updateId: b.id, result: 'found' },
      ]);
      await scan(broken, [
        { updateId: a.id, result: 'not-found' },
        { updateId: b.id, result: 'not-found' },
      ]);
      const failed = await agent(broken, '/reports', {
        reports: [
          {
            seq: 1,
            updateId: a.id,
            deploymentId: null,
            state: 'failed',
            reason: 'disk-space',
            exitCode: 112,
            output: 'no space left',
            message: 'needs 50 MB',
            at: new Date(now).toISOString(),
          },
        ],
      });
      expect(failed.statusCode).toBe(200);

      const report = (
        await admin('GET', '/api/v1/baselines/office-2026/compliance')
      ).json<BaselineComplianceView>();
      expect(report.totals).toEqual({ computers: 3, compliant: 1, 'non-compliant': 1, unknown: 1 });
      expect(report.computers.map((c) => [c.hostname, c.state])).toEqual([
        ['broken-1', 'non-compliant'],
        ['good-1', 'compliant'],
        ['silent-1', 'unknown'],
      ]);
      const brokenRow = report.computers[0];
      expect(brokenRow?.gaps).toEqual([
        expect.objectContaining({
          updateId: a.id,
          kind: 'install-failed',
          status: 'failed',
          reason: 'disk-space',
          exitCode: 112,
          message: 'needs 50 MB',
        }),
        expect.objectContaining({ updateId: b.id, kind: 'missing', status: null }),
      ]);
      expect(report.computers[1]).toMatchObject({ installed: 2, notApplicable: 1, gaps: [] });
      expect(report.computers[2]?.gaps.map((g) => g.kind)).toEqual([
        'never-scanned',
        'never-scanned',
      ]);
      expect(report.updates.find((u) => u.updateId === w.id)).toMatchObject({
        'not-applicable': 3,
      });

      const only = (
        await admin('GET', '/api/v1/baselines/office-2026/compliance?state=non-compliant')
      ).json<BaselineComplianceView>();
      expect(only.computers.map((c) => c.hostname)).toEqual(['broken-1']);
      expect(only.totals.computers).toBe(3);
      expect(
        (await admin('GET', '/api/v1/baselines/office-2026/compliance?state=ok')).statusCode,
      ).toBe(400);
    });

    it('counts a computer whose scan is too old as unknown, in virtual time', async () => {
      const before = (
        await admin('GET', '/api/v1/baselines/office-2026/compliance')
      ).json<BaselineComplianceView>();
      now += before.staleAfterSeconds * 1000 + minute;
      await scan(broken, [
        { updateId: a.id, result: 'not-found' },
        { updateId: b.id, result: 'not-found' },
      ]);
      const report = (
        await admin('GET', '/api/v1/baselines/office-2026/compliance')
      ).json<BaselineComplianceView>();
      const good1 = report.computers.find((c) => c.hostname === 'good-1');
      expect(good1?.state).toBe('unknown');
      expect(good1?.gaps.map((g) => g.kind)).toEqual(['stale-scan', 'stale-scan']);
      expect(report.computers.find((c) => c.hostname === 'broken-1')?.state).toBe('non-compliant');
    });

    it('exports the same report as CSV, which reads back to the JSON', async () => {
      const json = (
        await admin('GET', '/api/v1/baselines/office-2026/compliance')
      ).json<BaselineComplianceView>();
      const csv = await admin('GET', '/api/v1/baselines/office-2026/compliance.csv');
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      const lines = parse<Record<string, string>>(csv.body, { columns: true });
      expect(Object.keys(lines[0] ?? {})).toEqual([...baselineCsvColumns]);
      const back = new Map<string, Record<string, unknown>>();
      for (const l of lines) {
        const row = back.get(l.computerId ?? '') ?? {
          computerId: l.computerId,
          hostname: l.hostname,
          state: l.state,
          scannedAt: l.scannedAt === '' ? null : l.scannedAt,
          installed: Number(l.installed),
          notApplicable: Number(l.notApplicable),
          gaps: [],
        };
        if (l.updateId !== '') {
          (row.gaps as unknown[]).push({
            updateId: l.updateId,
            kind: l.kind,
            status: l.status === '' ? null : l.status,
            reason: l.reason === '' ? null : l.reason,
            exitCode: l.exitCode === '' ? null : Number(l.exitCode),
            message: l.message === '' ? null : l.message,
            since: l.since === '' ? null : l.since,
            why: l.why,
          });
        }
        back.set(l.computerId ?? '', row);
      }
      expect([...back.values()]).toEqual(json.computers);
      const missing = await admin('GET', '/api/v1/baselines/none/compliance.csv');
      expect(missing.statusCode).toBe(404);
    });

    it('changes a baseline: renames it, sets and clears its description, replaces its groups and updates', async () => {
      const created = await admin('POST', '/api/v1/baselines', {
        name: 'scratch',
        groups: ['office'],
        updates: [a.id, b.id],
      });
      expect(created.statusCode, created.body).toBe(201);
      const changed = await admin('PUT', '/api/v1/baselines/scratch', {
        name: 'scratch-2',
        description: 'for the lab too',
        groups: ['lab', 'office', 'lab'],
        updates: [w.id, a.id],
      });
      expect(changed.statusCode, changed.body).toBe(200);
      expect(changed.json()).toEqual({
        ...created.json<BaselineView>(),
        name: 'scratch-2',
        description: 'for the lab too',
        groups: ['lab', 'office'],
        updates: [a.id, w.id].sort(),
      });
      expect((await admin('GET', '/api/v1/baselines/scratch')).statusCode).toBe(404);
      expect((await admin('GET', '/api/v1/baselines/scratch-2')).json()).toEqual(changed.json());

      // Only the fields given: a description cleared leaves the groups and updates be.
      const cleared = await admin('PUT', '/api/v1/baselines/scratch-2', { description: null });
      expect(cleared.json()).toEqual({ ...changed.json<BaselineView>(), description: null });
      const same = await admin('PUT', '/api/v1/baselines/scratch-2', { name: 'scratch-2' });
      expect(same.statusCode).toBe(200);
      const emptied = await admin('PUT', '/api/v1/baselines/scratch-2', { updates: [] });
      expect(emptied.json<BaselineView>().updates).toEqual([]);
      const compliance = (
        await admin('GET', '/api/v1/baselines/scratch-2/compliance')
      ).json<BaselineComplianceView>();
      expect(compliance.totals.computers).toBe(3);
      expect(compliance.totals.compliant).toBe(3);
    });

    it('refuses a bad change, naming the field or what it did not find, and changes nothing', async () => {
      const before = (await admin('GET', '/api/v1/baselines/scratch-2')).json<BaselineView>();
      const bad = async (payload: unknown, status: number) => {
        const res = await admin('PUT', '/api/v1/baselines/scratch-2', payload);
        expect(res.statusCode, res.body).toBe(status);
        return res.json<{ message: string; details: unknown }>();
      };
      const noGroups = await bad({ groups: [] }, 400);
      expect(noGroups.details).toEqual({
        issues: [expect.objectContaining({ field: 'groups' })],
      });
      const badName = await bad({ name: '-bad name' }, 400);
      expect(badName.details).toEqual({ issues: [expect.objectContaining({ field: 'name' })] });
      const nul = await bad({ description: 'a\u0000b' }, 400);
      expect(nul.details).toEqual({
        issues: [{ field: 'description', message: 'must not contain a NUL byte' }],
      });
      const nulName = await bad({ name: 'a\u0000b' }, 400);
      expect(nulName.message).toMatch(/name/);
      const nulUpdate = await bad({ updates: [a.id, 'x\u0000'] }, 400);
      expect(nulUpdate.details).toEqual({
        issues: [{ field: 'updates.1', message: 'must not contain a NUL byte' }],
      });
      expect((await bad({ updates: [a.id, 'NO-SUCH'] }, 404)).details).toEqual({
        what: 'update',
        id: 'NO-SUCH',
      });
      expect((await bad({ groups: ['office', 'nope'] }, 404)).details).toEqual({
        what: 'group',
        id: 'nope',
      });
      expect((await bad({ name: 'office-2026', updates: [a.id] }, 409)).message).toContain(
        'office-2026',
      );
      expect((await admin('GET', '/api/v1/baselines/scratch-2')).json()).toEqual(before);
      const unknown = await admin('PUT', '/api/v1/baselines/none', { description: 'x' });
      expect(unknown.statusCode).toBe(404);
    });

    it('answers 409, not 500, to two renames to one name at once, and to two equal changes at once', async () => {
      for (const name of ['race-a', 'race-b']) {
        expect(
          (await admin('POST', '/api/v1/baselines', { name, groups: ['lab'] })).statusCode,
        ).toBe(201);
      }
      const renames = await Promise.all(
        ['race-a', 'race-b'].map((name) =>
          admin('PUT', `/api/v1/baselines/${name}`, { name: 'race-won' }),
        ),
      );
      expect(renames.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      const same = await Promise.all(
        [1, 2].map(() => admin('PUT', '/api/v1/baselines/race-won', { updates: [a.id, b.id] })),
      );
      expect(same.map((r) => r.statusCode)).toEqual([200, 200]);
      expect(
        (await admin('GET', '/api/v1/baselines/race-won')).json<BaselineView>().updates,
      ).toEqual([a.id, b.id].sort());
      const creates = await Promise.all(
        [1, 2].map(() => admin('POST', '/api/v1/baselines', { name: 'race-new', groups: ['lab'] })),
      );
      expect(creates.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    });

    it('removes a baseline, answering it as it was; its groups and updates stay', async () => {
      const before = (await admin('GET', '/api/v1/baselines/scratch-2')).json<BaselineView>();
      const listed = (await admin('GET', '/api/v1/baselines')).json<Page<BaselineView>>().total;
      const removed = await admin('POST', '/api/v1/baselines/scratch-2/remove');
      expect(removed.statusCode, removed.body).toBe(200);
      expect(removed.json()).toEqual(before);
      expect((await admin('GET', '/api/v1/baselines/scratch-2')).statusCode).toBe(404);
      expect((await admin('GET', '/api/v1/baselines/scratch-2/compliance')).statusCode).toBe(404);
      expect((await admin('GET', '/api/v1/baselines')).json<Page<BaselineView>>().total).toBe(
        listed - 1,
      );
      expect((await admin('POST', '/api/v1/baselines/scratch-2/remove')).statusCode).toBe(404);
      expect((await admin('GET', '/api/v1/groups/lab')).statusCode).toBe(200);
      expect((await admin('GET', `/api/v1/updates/${a.id}`)).statusCode).toBe(200);
      // The name is free again, for a baseline of its own.
      const again = await admin('POST', '/api/v1/baselines', {
        name: 'scratch-2',
        groups: ['lab'],
      });
      expect(again.statusCode, again.body).toBe(201);
      expect(again.json<BaselineView>()).toMatchObject({ groups: ['lab'], updates: [] });
      expect(again.json<BaselineView>().id).not.toBe(before.id);
    });
  });
}
