import { describe, expect, it } from 'vitest';
import type { FailureReportView, ProgressReportView } from '../src/contracts/report.js';
import { manifestFactory } from './factories/update.factory.js';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { virtualTimeServer, type DeploymentAnswer } from './support/virtual-time.js';

const sites = ['tokyo', 'osaka', 'paris', 'berlin', 'austin'];

for (const engine of ENGINES) {
  describe(`deployment reports on ${engine}`, () => {
    const vt = virtualTimeServer(engine);
    const get = (url: string) =>
      injectChecked(vt.server.app, { method: 'GET', url, headers: vt.server.adminHeaders });

    /** 40 computers over five sites; every third one on an old kernel. */
    async function deployed(name: string) {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name });
      const computers = await vt.fleet.enroll(40, name, name, (i) => ({
        site: sites[i % sites.length] ?? null,
        osVersion: i % 3 === 1 ? '5.10.0' : '6.1.0',
      }));
      const created = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: name,
        plan: { phases: [{ name: 'all', percent: 100 }] },
      });
      expect(created.status).toBe(201);
      await vt.server.services.engine.run();
      return { id: created.body.id, computers };
    }

    it('names the site every failure was on first, with its share of the target', async () => {
      const { id, computers } = await deployed(`site-${engine}`);
      await vt.fleet.cycle(computers, (c) =>
        c.inventory.site === 'osaka' ? 'failed' : 'installed',
      );
      const res = await get(`/api/v1/deployments/${id}/failures`);
      expect(res.statusCode).toBe(200);
      const report = res.json<FailureReportView>();
      expect(report).toMatchObject({ target: 40, failedComputers: 8 });
      expect(report.reasons).toEqual([{ reason: 'install-error', failures: 8, percent: 100 }]);
      expect(report.clusters[0]).toMatchObject({ attribute: 'site', value: 'osaka', failed: 8 });
      expect(report.clusters[0]?.summary).toBe(
        '8 of 8 failures on site osaka, which holds 20% of the target',
      );
      expect(report.clusters[0]?.pValue).toBeLessThan(0.001);

      const progress = (await get(`/api/v1/deployments/${id}/progress`)).json<ProgressReportView>();
      expect(progress.points.length).toBeGreaterThanOrEqual(2);
      expect(progress.points[0]?.total.pending).toBe(40);
      expect(progress.points.at(-1)?.phases[0]).toMatchObject({
        name: 'all',
        counts: { installed: 32, failed: 8, pending: 0 },
      });
      // Nothing moved: another tick records nothing.
      const before = progress.points.length;
      await vt.server.services.engine.run();
      await vt.server.services.engine.nudge(id);
      await vt.server.services.engine.run();
      const after = (await get(`/api/v1/deployments/${id}/progress`)).json<ProgressReportView>();
      expect(after.points).toHaveLength(before);
    });

    it('names an OS version cluster first, and narrows to one failure reason', async () => {
      const { id, computers } = await deployed(`os-${engine}`);
      await vt.fleet.cycle(computers, (c) =>
        c.inventory.osVersion === '5.10.0' ? 'failed' : 'installed',
      );
      const report = (await get(`/api/v1/deployments/${id}/failures`)).json<FailureReportView>();
      expect(report.failedComputers).toBe(13);
      expect(report.clusters[0]).toMatchObject({
        attribute: 'osVersion',
        value: 'linux 5.10.0',
        failed: 13,
        target: 13,
      });
      const none = (
        await get(`/api/v1/deployments/${id}/failures?reason=disk-space`)
      ).json<FailureReportView>();
      expect(none).toMatchObject({ reason: 'disk-space', failedComputers: 0, clusters: [] });
    });

    it('tells a postponement by the user apart: its own reason in failures, its own why on the computer', async () => {
      const { id, computers } = await deployed(`postponed-${engine}`);
      const [first, second, ...rest] = computers;
      if (!first || !second) throw new Error('no computers');
      await vt.fleet.cycle(rest, () => 'installed');
      const updateId = (await vt.fleet.checkin(first)).assignments[0]?.updateId ?? '';
      await vt.fleet.checkin(second);
      await vt.fleet.report(first, updateId, id, 'awaiting-user', {
        reason: 'user-postponed',
        message: 'postponed by kim until 2026-12-05T09:00:00.000Z',
      });
      await vt.fleet.report(second, updateId, id, 'failed', { reason: 'disk-space' });
      const report = (await get(`/api/v1/deployments/${id}/failures`)).json<FailureReportView>();
      expect(report.reasons).toEqual([
        { reason: 'disk-space', failures: 1, percent: 50 },
        { reason: 'user-postponed', failures: 1, percent: 50 },
      ]);
      const postponedOnly = (
        await get(`/api/v1/deployments/${id}/failures?reason=user-postponed`)
      ).json<FailureReportView>();
      expect(postponedOnly.failedComputers).toBe(1);
      const shown = (await get(`/api/v1/computers/${first.computerId}`)).json<{
        statuses: { state: string; reason: string | null; why: string | null }[];
      }>();
      expect(shown.statuses[0]).toMatchObject({ state: 'awaiting-user', reason: 'user-postponed' });
      expect(shown.statuses[0]?.why).toMatch(/^postponed by the user since .*: postponed by kim/);
      const listed = (await get(`/api/v1/deployments/${id}/computers?reason=user-postponed`)).json<{
        items: { computerId: string }[];
      }>();
      expect(listed.items.map((i) => i.computerId)).toEqual([first.computerId]);
    });

    it('answers 404 for an unknown deployment and 400 naming a bad reason', async () => {
      expect((await get('/api/v1/deployments/nope/failures')).statusCode).toBe(404);
      expect((await get('/api/v1/deployments/nope/progress')).statusCode).toBe(404);
      const bad = await get(`/api/v1/deployments/nope/failures?reason=${'x'.repeat(65)}`);
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('reason');
    });
  });
}
