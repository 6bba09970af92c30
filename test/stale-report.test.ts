import { describe, expect, it } from 'vitest';
import type {
  DeploymentComputerView,
  DeploymentDetailView,
  StaleReportRow,
} from '../src/contracts/api.js';
import { manifestFactory } from './factories/update.factory.js';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { virtualTimeServer } from './support/virtual-time.js';

const day = 86_400_000;

for (const engine of ENGINES) {
  describe(`the stale report on ${engine}, in virtual time`, () => {
    const vt = virtualTimeServer(engine);
    const get = async <T>(url: string) => {
      const res = await injectChecked(vt.server.app, {
        method: 'GET',
        url,
        headers: vt.server.adminHeaders,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<T>();
    };

    it('flags a computer that has not succeeded within the recurrence interval, not one that did', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name: `stale-${engine}` });
      const [good, bad] = await vt.fleet.enroll(2, `stale-${engine}`, `stale-${engine}`);
      if (!good || !bad) throw new Error('two computers');
      const { body } = await vt.fleet.admin<DeploymentDetailView>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `stale-${engine}`,
        plan: { phases: [{ name: 'all', percent: 100 }], recurrenceSeconds: 86_400 },
      });
      await vt.server.services.engine.run(); // the phase opens now
      await vt.fleet.report(good, manifest.id, body.id, 'installed', { exitCode: 0 });
      await vt.fleet.report(bad, manifest.id, body.id, 'failed', {
        reason: 'install-error',
        exitCode: 1603,
      });
      expect(await get<StaleReportRow[]>('/api/v1/reports/stale')).toEqual([]);

      vt.advance(2 * day); // the clock is moved on, never waited for
      const rows = await get<StaleReportRow[]>('/api/v1/reports/stale');
      expect(rows.map((r) => r.computerId)).toEqual([bad.computerId]);
      expect(rows[0]?.stale).toMatchObject({
        lastSucceededAt: null,
        ageSeconds: 2 * 86_400,
        recurrenceSeconds: 86_400,
      });
      const shown = await get<{ items: DeploymentComputerView[] }>(
        `/api/v1/deployments/${body.id}/computers?limit=500`,
      );
      const row = (id: string) => shown.items.find((c) => c.computerId === id);
      expect(row(bad.computerId)?.stale?.message).toMatch(/^needs investigation: never succeeded/);
      expect(row(good.computerId)?.stale).toBeNull();
      const computer = await get<{ statuses: { stale: unknown; why: string | null }[] }>(
        `/api/v1/computers/${bad.computerId}`,
      );
      expect(computer.statuses[0]?.stale).toMatchObject({ ageSeconds: 2 * 86_400 });
    });
  });
}
