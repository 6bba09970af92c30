import { describe, expect, it } from 'vitest';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { virtualTimeServer, type DeploymentAnswer } from './support/virtual-time.js';

const hour = 3600_000;

for (const engine of ENGINES) {
  describe(`the phased rollout engine on ${engine}, in virtual time`, () => {
    const vt = virtualTimeServer(engine);

    it('halts a bad update in its first phase: no computer of the next phase ever gets it', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name: `bad-${engine}` });
      const computers = await vt.fleet.enroll(20, `bad-${engine}`, `bad-${engine}`);
      const created = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `bad-${engine}`,
        plan: {
          phases: [
            { name: 'pilot', percent: 10 },
            { name: 'broad', percent: 100 },
          ],
          gate: { maxFailurePercent: 20 },
        },
      });
      expect(created.status).toBe(201);
      await vt.server.services.engine.run(); // the next tick opens the first phase
      created.body = (
        await vt.fleet.admin<DeploymentAnswer>('GET', `/api/v1/deployments/${created.body.id}`)
      ).body;
      expect(created.body.phases.map((p) => [p.name, p.size, p.openedAt !== null])).toEqual([
        ['pilot', 2, true],
        ['broad', 18, false],
      ]);

      const ran = await vt.fleet.cycle(computers, () => 'failed');
      expect(ran).toHaveLength(2);
      const shown = await vt.fleet.admin<DeploymentAnswer>(
        'GET',
        `/api/v1/deployments/${created.body.id}`,
      );
      expect(shown.body.state).toBe('halted');
      expect(shown.body.stateReason).toMatch(/halted: failures 100(\.0)?% > 20% in pilot/);

      // Days later nothing more has run anywhere.
      vt.advance(10 * 24 * hour);
      await vt.server.services.engine.run();
      expect(await vt.fleet.cycle(computers, () => 'failed')).toHaveLength(0);
      const events = await vt.fleet.admin<{ items: { type: string; message: string }[] }>(
        'GET',
        `/api/v1/deployments/${created.body.id}/events`,
      );
      expect(events.body.items.map((e) => e.type)).toEqual(['created', 'phase-opened', 'halted']);
    });

    it('opens the next phase after the soak when the gate is met, then rolls back everywhere', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name: `good-${engine}` });
      const computers = await vt.fleet.enroll(20, `good-${engine}`, `good-${engine}`);
      const created = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `good-${engine}`,
        plan: {
          phases: [
            { name: 'pilot', percent: 10 },
            { name: 'broad', percent: 100 },
          ],
          soakSeconds: 86_400,
        },
      });
      const id = created.body.id;
      await vt.server.services.engine.run(); // the next tick opens the first phase
      expect(await vt.fleet.cycle(computers, () => 'installed')).toHaveLength(2);

      // Healthy, but the soak has not passed: broad stays closed.
      vt.advance(23 * hour);
      await vt.server.services.engine.run();
      expect(await vt.fleet.cycle(computers, () => 'installed')).toHaveLength(0);

      vt.advance(2 * hour);
      await vt.server.services.engine.run();
      expect(await vt.fleet.cycle(computers, () => 'installed')).toHaveLength(18);
      const done = await vt.fleet.admin<DeploymentAnswer>('GET', `/api/v1/deployments/${id}`);
      expect(done.body.counts.installed).toBe(20);
      expect(done.body.state).toBe('completed');

      const rollback = await vt.fleet.admin<DeploymentAnswer>(
        'POST',
        `/api/v1/deployments/${id}/rollback`,
        {
          reason: 'breaks printing',
        },
      );
      expect(rollback.status).toBe(200);
      expect(rollback.body.state).toBe('rolling-back');
      expect(await vt.fleet.cycle(computers, () => 'installed')).toHaveLength(20);
      const rolled = await vt.fleet.admin<DeploymentAnswer>('GET', `/api/v1/deployments/${id}`);
      expect(rolled.body.counts.uninstalled).toBe(20);
      expect(rolled.body.state).toBe('rolled-back');
      const events = await vt.fleet.admin<{ items: { type: string; message: string }[] }>(
        'GET',
        `/api/v1/deployments/${id}/events`,
      );
      expect(
        events.body.items.find((e) => e.type === 'phase-opened' && e.message.includes('broad'))
          ?.message,
      ).toMatch(/100(\.0)?% ≥ 95%/);
    });

    it('halts, resumes and revokes in one action each; halted computers get nothing', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name: `hr-${engine}` });
      const computers = await vt.fleet.enroll(3, `hr-${engine}`, `hr-${engine}`);
      const { body } = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `hr-${engine}`,
      });
      await vt.server.services.engine.run(); // the next tick opens the first phase
      const halted = await vt.fleet.admin<DeploymentAnswer>(
        'POST',
        `/api/v1/deployments/${body.id}/halt`,
        {
          reason: 'checking a report',
        },
      );
      expect(halted.body).toMatchObject({ state: 'halted', stateReason: 'checking a report' });
      expect(await vt.fleet.cycle(computers, () => 'installed')).toHaveLength(0);
      const again = await vt.fleet.admin('POST', `/api/v1/deployments/${body.id}/halt`, {});
      expect(again.status).toBe(409);
      await vt.fleet.admin('POST', `/api/v1/deployments/${body.id}/resume`, {});
      await vt.server.services.engine.run(); // an action moves its deployment at the next tick
      expect(await vt.fleet.cycle(computers.slice(0, 1), () => 'installed')).toHaveLength(1);
      const revoked = await vt.fleet.admin<DeploymentAnswer>(
        'POST',
        `/api/v1/deployments/${body.id}/revoke`,
        {},
      );
      expect(revoked.body.state).toBe('revoked');
      expect(await vt.fleet.cycle(computers, () => 'installed')).toHaveLength(0);
    });

    it('re-advertises to the computers that failed', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name: `re-${engine}` });
      const computers = await vt.fleet.enroll(4, `re-${engine}`, `re-${engine}`);
      const { body } = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `re-${engine}`,
      });
      await vt.server.services.engine.run(); // the next tick opens the first phase
      const flaky = new Set(computers.slice(0, 2).map((c) => c.computerId));
      await vt.fleet.cycle(computers, (c) => (flaky.has(c.computerId) ? 'failed' : 'installed'));
      vt.advance(hour);
      expect(await vt.fleet.cycle(computers, () => 'installed')).toHaveLength(0);
      await vt.fleet.admin('POST', `/api/v1/deployments/${body.id}/redeploy`, { failedOnly: true });
      vt.advance(1000);
      const ran = await vt.fleet.cycle(computers, () => 'installed');
      expect(new Set(ran)).toEqual(flaky);
    });

    it('rejects impossible plans and a rollback without uninstall before anything is approved', async () => {
      const manifest = manifestFactory({
        uninstall: undefined,
        install: { command: 'sh install.sh', timeoutSeconds: 3600 },
      });
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name: `plans-${engine}` });
      const bad = async (plan: unknown) => {
        const res = await vt.fleet.admin<{ error: string; message: string }>(
          'POST',
          '/api/v1/deployments',
          {
            update: manifest.id,
            group: `plans-${engine}`,
            plan,
          },
        );
        expect(res.status).toBe(400);
        return res.body.message;
      };
      expect(await bad({ phases: [{ name: 'a', percent: 150 }] })).toContain('more than 100%');
      expect(
        await bad({
          phases: [
            { name: 'a', percent: 50 },
            { name: 'b', percent: 25 },
          ],
        }),
      ).toContain('phases out of order');
      await vt.fleet.admin('PUT', `/api/v1/groups/plans-${engine}/windows`, {
        windows: [{ cron: '0 1 * * 6', durationMinutes: 30, timezone: 'Asia/Tokyo' }],
      });
      expect(await bad({ phases: [{ name: 'all', percent: 100 }] })).toContain(
        'shorter than the install timeout',
      );
      await vt.fleet.admin('PUT', `/api/v1/groups/plans-${engine}/windows`, { windows: [] });
      const list = await vt.fleet.admin<{ total: number }>('GET', '/api/v1/deployments');
      const before = list.body.total;
      const ok = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `plans-${engine}`,
      });
      expect(ok.status).toBe(201);
      const rollback = await vt.fleet.admin<{ error: string; message: string }>(
        'POST',
        `/api/v1/deployments/${ok.body.id}/rollback`,
        {},
      );
      expect(rollback.status).toBe(409);
      expect(rollback.body).toMatchObject({ error: 'not-uninstallable' });
      expect(
        (await vt.fleet.admin<{ total: number }>('GET', '/api/v1/deployments')).body.total,
      ).toBe(before + 1);
    });

    it('previews phases with a dry run', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name: `dry-${engine}` });
      await vt.fleet.enroll(10, `dry-${engine}`, `dry-${engine}`);
      const res = await vt.fleet.admin<{ phases: { name: string; computers: unknown[] }[] }>(
        'POST',
        '/api/v1/deployments/dry-run',
        {
          update: manifest.id,
          group: `dry-${engine}`,
          plan: {
            phases: [
              { name: 'pilot', percent: 30 },
              { name: 'rest', percent: 100 },
            ],
          },
        },
      );
      expect(res.status).toBe(200);
      expect(res.body.phases.map((p) => [p.name, p.computers.length])).toEqual([
        ['pilot', 3],
        ['rest', 7],
      ]);
    });
  });
}
