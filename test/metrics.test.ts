import parsePrometheusTextFormat, { type Family } from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { manifestFactory } from './factories/update.factory.js';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { virtualTimeServer, type DeploymentAnswer } from './support/virtual-time.js';

const hour = 3_600_000;

/** The value of one sample of a family, found by its labels. */
function sample(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no metric ${name}`);
  const found = family.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  if (!found) throw new Error(`no sample of ${name} with ${JSON.stringify(labels)}`);
  return Number(found.value ?? found.count);
}

for (const engine of ENGINES) {
  describe(`GET /metrics on ${engine}`, () => {
    const vt = virtualTimeServer(engine);

    it('needs an admin token', async () => {
      const res = await injectChecked(vt.server.app, { method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(401);
    });

    it('counts computers by health, statuses of active deployments, check-ins and ticks', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name: 'm' });
      const [a, ...rest] = await vt.fleet.enroll(3, 'm', 'm');
      if (!a) throw new Error('no computer enrolled');
      const created = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'm',
        // The two that never check in again are stale after half an hour.
        plan: { phases: [{ name: 'all', percent: 100 }], recurrenceSeconds: 1800 },
      });
      await vt.server.services.engine.run();
      vt.advance(hour); // the others miss their check-ins: offline
      await vt.fleet.cycle([a], () => 'installed');

      const res = await injectChecked(vt.server.app, {
        method: 'GET',
        url: '/metrics',
        headers: vt.server.adminHeaders,
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const families = parsePrometheusTextFormat(res.body);
      expect(sample(families, 'ringmaster_computers', { health: 'online' })).toBe(1);
      expect(sample(families, 'ringmaster_computers', { health: 'offline' })).toBe(rest.length);
      expect(sample(families, 'ringmaster_computers', { health: 'never-seen' })).toBe(0);
      expect(sample(families, 'ringmaster_computers', { health: 'stale' })).toBe(rest.length);
      const id = created.body.id;
      expect(
        sample(families, 'ringmaster_deployment_statuses', { deployment: id, state: 'installed' }),
      ).toBe(1);
      expect(
        sample(families, 'ringmaster_deployment_statuses', { deployment: id, state: 'pending' }),
      ).toBe(2);
      expect(sample(families, 'ringmaster_checkins_total', { code: '200' })).toBe(1);
      expect(sample(families, 'ringmaster_checkin_duration_seconds')).toBe(1);
      expect(sample(families, 'ringmaster_engine_tick_duration_seconds')).toBeGreaterThanOrEqual(2);
    });

    it('tells how long the event loop was held since the previous scrape', async () => {
      const scrape = async () =>
        parsePrometheusTextFormat(
          (
            await injectChecked(vt.server.app, {
              method: 'GET',
              url: '/metrics',
              headers: vt.server.adminHeaders,
            })
          ).body,
        );
      await scrape();
      await new Promise((resolve) => setTimeout(resolve, 30));
      const until = performance.now() + 150;
      while (performance.now() < until) {
        // Holds the loop, as a long synchronous write would.
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      const held = await scrape();
      // However slow the machine, the loop was held at least this long.
      expect(sample(held, 'ringmaster_event_loop_delay_seconds', { stat: 'max' })).toBeGreaterThan(
        0.14,
      );
    });
  });
}
