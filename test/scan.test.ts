import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WakeKind } from '../src/server/notify/wake-hub.js';
import { ENGINES } from './support/engines.js';
import { injectChecked } from './support/declared-response.js';
import { waitFor } from './support/wait.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { inventoryFactory, manifestFactory, sha256 } from './factories/update.factory.js';
import type { Inventory } from '../src/contracts/inventory.js';
import type { UpdateManifestInput } from '../src/contracts/manifest.js';

const script = 'echo fix\n';

for (const engine of ENGINES) {
  describe(`the scan on ${engine}`, () => {
    let server: TestServer;
    const inject = (options: Parameters<typeof injectChecked>[1]) =>
      injectChecked(server.app, options);
    const admin = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
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
      const res = await admin('POST', '/api/v1/updates', { manifest, files });
      expect([200, 201]).toContain(res.statusCode);
    }

    async function enroll(inventory: Inventory, group?: string) {
      const token = await admin('POST', '/api/v1/enrollments', group ? { group } : {});
      const res = await inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        payload: { enrollmentToken: token.json<{ token: string }>().token, inventory },
      });
      expect(res.statusCode).toBe(201);
      return res.json<{ computerId: string; credential: string }>();
    }

    const linuxA = manifestFactory({ platforms: [{ os: 'linux' }] });
    const linuxB = manifestFactory({ platforms: [{ os: 'linux', arch: 'x64' }] });
    const windows = manifestFactory({ platforms: [{ os: 'windows' }], files: ['install.sh'] });
    const inventory = inventoryFactory();
    let pc: { computerId: string; credential: string };
    const agent = (method: 'GET' | 'POST', path: string, payload?: unknown) =>
      inject({
        method,
        url: `/agent/v1/computers/${pc.computerId}${path}`,
        headers: { authorization: `Bearer ${pc.credential}` },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
    const rows = async () =>
      (
        await server.store.db
          .selectFrom('scan_results')
          .select(['update_id', 'result', 'detected_at', 'changed_at'])
          .where('computer_id', '=', pc.computerId)
          .orderBy('update_id')
          .execute()
      ).map((r) => ({
        ...r,
        detected_at: Number(r.detected_at),
        changed_at: Number(r.changed_at),
      }));

    beforeAll(async () => {
      server = await startTestServer(engine);
      for (const m of [linuxA, linuxB, windows]) await importUpdate(m);
      await admin('POST', '/api/v1/groups', { name: 'scanned' });
      pc = await enroll(inventory, 'scanned');
      await admin('POST', '/api/v1/groups/scanned/members', { computers: [pc.computerId] });
    });
    afterAll(async () => {
      await server.stop();
    });

    it("gives the rules of the computer's platform, versioned by the check-in", async () => {
      const checkin = await agent('POST', '/checkin', { inventory });
      const version = checkin.json<{ scanRulesVersion: string }>().scanRulesVersion;
      expect(version).toMatch(/^[0-9a-f]{16}$/);
      const rules = await agent('GET', '/scan-rules');
      expect(rules.json()).toMatchObject({ version });
      expect(rules.json<{ rules: { updateId: string }[] }>().rules.map((r) => r.updateId)).toEqual(
        [linuxA.id, linuxB.id].sort(),
      );
    });

    it('stores findings once: the same findings again write nothing', async () => {
      const first = await agent('POST', '/scan', {
        scannedAt: '2026-12-01T10:00:00.000Z',
        findings: [
          { updateId: linuxA.id, result: 'found' },
          { updateId: linuxB.id, result: 'not-found' },
          { updateId: 'NOT-IN-CATALOG', result: 'found' },
        ],
      });
      expect(first.json()).toEqual({ stored: 2 });
      const before = await rows();
      expect(before).toHaveLength(2);

      const again = await agent('POST', '/scan', {
        scannedAt: '2026-12-01T10:05:00.000Z',
        findings: [{ updateId: linuxA.id, result: 'found' }],
      });
      expect(again.json()).toEqual({ stored: 0 });
      expect(await rows()).toEqual(before);
    });

    it('keeps "last seen" from the check-in of an unchanged scan, with no write to the findings', async () => {
      const before = await rows();
      await agent('POST', '/checkin', { inventory, scannedAt: '2026-12-01T10:10:00.000Z' });
      expect(await rows()).toEqual(before);
      const shown = await admin('GET', `/api/v1/computers/${pc.computerId}`);
      const scans = shown.json<{
        scans: { updateId: string; detectedAt: string; changedAt: string }[];
      }>().scans;
      expect(scans.find((s) => s.updateId === linuxA.id)).toMatchObject({
        detectedAt: '2026-12-01T10:10:00.000Z',
        changedAt: '2026-12-01T10:00:00.000Z',
      });
    });

    it('flags a discrepancy: installed by status, not found by a later scan', async () => {
      const reported = await agent('POST', '/reports', {
        reports: [
          {
            seq: 1,
            updateId: linuxA.id,
            deploymentId: null,
            state: 'installed',
            at: '2026-12-01T10:20:00.000Z',
          },
        ],
      });
      expect(reported.statusCode).toBe(200);
      // A scan from before the status is no disagreement.
      expect((await admin('GET', '/api/v1/reports/discrepancies')).json()).toEqual([]);

      await agent('POST', '/scan', {
        scannedAt: '2026-12-01T10:30:00.000Z',
        findings: [{ updateId: linuxA.id, result: 'not-found' }],
      });
      const expected = {
        computerId: pc.computerId,
        hostname: inventory.hostname,
        updateId: linuxA.id,
        status: 'installed',
        statusAt: '2026-12-01T10:20:00.000Z',
        scan: 'not-found',
        scanChangedAt: '2026-12-01T10:30:00.000Z',
        scanDetectedAt: '2026-12-01T10:30:00.000Z',
      };
      expect((await admin('GET', '/api/v1/reports/discrepancies')).json()).toEqual([
        { ...expected, deploymentId: null },
      ]);
      const shown = await admin('GET', `/api/v1/computers/${pc.computerId}`);
      expect(shown.json()).toMatchObject({ discrepancies: [expected] });
    });

    it('reports compliance by update, computer and group, as JSON and as CSV', async () => {
      // Now: A installed by status but not found (required), B not found (required).
      const byUpdate = await admin('GET', '/api/v1/reports/compliance?by=update');
      const report = byUpdate.json<{ rows: Record<string, unknown>[] }>();
      expect(report.rows.find((r) => r.key === windows.id)).toMatchObject({
        'not-applicable': 1,
        required: 0,
      });
      expect(report.rows.find((r) => r.key === linuxB.id)).toMatchObject({
        required: 1,
        installed: 0,
      });

      const byComputer = await admin('GET', '/api/v1/reports/compliance?by=computer');
      expect(byComputer.json<{ rows: unknown[] }>().rows).toEqual([
        {
          key: inventory.hostname,
          computerId: pc.computerId,
          installed: 0,
          required: 2,
          failed: 0,
          'not-applicable': 1,
          unknown: 0,
        },
      ]);
      const byGroup = await admin('GET', '/api/v1/reports/compliance?by=group');
      expect(byGroup.json<{ rows: unknown[] }>().rows).toEqual([
        expect.objectContaining({ key: 'scanned', required: 2, 'not-applicable': 1 }),
      ]);

      for (const by of ['update', 'group', 'computer'] as const) {
        const json = (await admin('GET', `/api/v1/reports/compliance?by=${by}`)).json<{
          rows: Record<string, unknown>[];
        }>();
        const csv = await admin('GET', `/api/v1/reports/compliance.csv?by=${by}`);
        expect(csv.headers['content-type']).toMatch(/^text\/csv/);
        const parsed = parse<Record<string, unknown>>(csv.body, {
          columns: true,
          cast: (v, ctx) =>
            ctx.header || ctx.column === by || ctx.column === 'computerId' ? v : Number(v),
        });
        expect(parsed).toEqual(
          json.rows.map(({ key, computerId, ...counts }) => ({
            [by]: key,
            computerId: computerId ?? '',
            ...counts,
          })),
        );
      }
    });

    it('refuses a bad report key and a bad scan request with a 400 naming the field', async () => {
      const bad = await admin('GET', '/api/v1/reports/compliance?by=site');
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ message: string }>().message).toContain('by');
      const both = await admin('POST', '/api/v1/scans', { computer: 'x', group: 'y' });
      expect(both.statusCode).toBe(400);
      const none = await admin('POST', '/api/v1/scans', { computer: 'no-such-host' });
      expect(none.statusCode).toBe(404);
    });

    it('wakes the computers of a scan request with kind "scan"', async () => {
      const kinds: WakeKind[] = [];
      const unsubscribe = server.services.hub.subscribe(pc.computerId, (_r, kind) =>
        kinds.push(kind),
      );
      try {
        const res = await admin('POST', '/api/v1/scans', { group: 'scanned' });
        expect(res.statusCode).toBe(202);
        expect(res.json()).toEqual({ computers: 1 });
        await waitFor('the wake-up', () => kinds.length > 0, 10_000, 20);
        expect(kinds).toEqual(['scan']);
      } finally {
        unsubscribe();
      }
    });
  });
}
