import { describe, expect, it } from 'vitest';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { virtualTimeServer, type DeploymentAnswer } from './support/virtual-time.js';

for (const engine of ENGINES) {
  describe(`deployments of several updates, and their policy on ${engine}, in virtual time`, () => {
    const vt = virtualTimeServer(engine);
    it('deploys several updates as one deployment, each computer × update on its own, and rolls back what can be', async () => {
      const withUninstall = manifestFactory();
      const without = manifestFactory({ uninstall: undefined });
      await vt.fleet.importUpdate(withUninstall);
      await vt.fleet.importUpdate(without);
      const group = `multi-${engine}`;
      await vt.fleet.admin('POST', '/api/v1/groups', { name: group });
      const computers = await vt.fleet.enroll(3, group, group);
      type Multi = DeploymentAnswer & {
        updates: string[];
        total: number;
        countsByUpdate: Record<string, Record<string, number>>;
      };
      const created = await vt.fleet.admin<Multi>('POST', '/api/v1/deployments', {
        updates: [withUninstall.id, without.id],
        group,
      });
      await vt.server.services.engine.run(); // the next tick acts on it
      expect(created.status).toBe(201);
      expect(created.body.updates).toEqual([withUninstall.id, without.id]);
      expect(created.body.total).toBe(6);

      // One computer fails the second update: the others complete both.
      const [unlucky] = computers;
      const ran = await vt.fleet.cycle(computers, (c, updateId) =>
        c === unlucky && updateId === without.id ? 'failed' : 'installed',
      );
      expect(ran).toHaveLength(6);
      const shown = await vt.fleet.admin<Multi>('GET', `/api/v1/deployments/${created.body.id}`);
      expect(shown.body.counts).toMatchObject({ installed: 5, failed: 1 });
      expect(shown.body.countsByUpdate[withUninstall.id]).toMatchObject({ installed: 3 });
      expect(shown.body.countsByUpdate[without.id]).toMatchObject({ installed: 2, failed: 1 });
      const targets = await vt.fleet.admin<{ items: unknown[]; total: number }>(
        'GET',
        `/api/v1/deployments/${created.body.id}/computers?limit=4`,
      );
      expect(targets.body.items).toHaveLength(4);
      expect(targets.body.total).toBe(6);
      expect(shown.body.state).toBe('active');

      const rollback = await vt.fleet.admin<Multi>(
        'POST',
        `/api/v1/deployments/${created.body.id}/rollback`,
        {},
      );
      await vt.server.services.engine.run(); // the next tick acts on it
      expect(rollback.status).toBe(200);
      const uninstalled = await vt.fleet.cycle(computers, () => 'installed');
      expect(uninstalled).toHaveLength(3);
      const rolled = await vt.fleet.admin<Multi>('GET', `/api/v1/deployments/${created.body.id}`);
      expect(rolled.body.state).toBe('rolled-back');
      expect(rolled.body.countsByUpdate[withUninstall.id]).toMatchObject({ uninstalled: 3 });
      expect(rolled.body.countsByUpdate[without.id]).toMatchObject({ installed: 2 });
    });

    it('refuses a rollback when none of the updates can be uninstalled, and a missing update', async () => {
      const a = manifestFactory({ uninstall: undefined });
      const b = manifestFactory({ uninstall: undefined });
      await vt.fleet.importUpdate(a);
      await vt.fleet.importUpdate(b);
      const group = `multi-none-${engine}`;
      await vt.fleet.admin('POST', '/api/v1/groups', { name: group });
      const missing = await vt.fleet.admin<{ error: string; message: string }>(
        'POST',
        '/api/v1/deployments',
        { updates: [a.id, 'no-such-update'], group },
      );
      await vt.server.services.engine.run(); // the next tick acts on it
      expect(missing.status).toBe(404);
      expect(missing.body.message).toContain('no-such-update');
      const created = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        updates: [a.id, b.id],
        group,
      });
      await vt.server.services.engine.run(); // the next tick acts on it
      const rollback = await vt.fleet.admin<{ error: string; message: string }>(
        'POST',
        `/api/v1/deployments/${created.body.id}/rollback`,
        {},
      );
      await vt.server.services.engine.run(); // the next tick acts on it
      expect(rollback.status).toBe(409);
      expect(rollback.body).toMatchObject({ error: 'not-uninstallable' });
      expect(rollback.body.message).toContain(`none of the updates ${a.id}, ${b.id}`);
    });

    it("assigns the deployment's own policy, and scheduled when neither it nor a group sets one", async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      const group = `policy-${engine}`;
      await vt.fleet.admin('POST', '/api/v1/groups', { name: group });
      const [computer] = await vt.fleet.enroll(1, group, group);
      if (!computer) throw new Error('no computer');
      const policyOf = async () => {
        const { assignments } = await vt.fleet.checkin(computer);
        return (assignments as unknown as { policy: string }[]).map((a) => a.policy);
      };
      const plain = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
      });
      await vt.server.services.engine.run(); // the next tick acts on it
      expect(await policyOf()).toEqual(['scheduled']);
      await vt.fleet.admin('POST', `/api/v1/deployments/${plain.body.id}/revoke`, {});
      await vt.server.services.engine.run(); // the next tick acts on it
      await vt.fleet.admin('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: { phases: [{ name: 'all', percent: 100 }], policy: 'notify' },
      });
      await vt.server.services.engine.run(); // the next tick acts on it
      expect(await policyOf()).toEqual(['notify']);
    });

    it('gives a scheduled install outside the windows now, to install when the next window opens; other policies wait for it', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      const group = `policy-window-${engine}`;
      await vt.fleet.admin('POST', '/api/v1/groups', { name: group });
      const [computer] = await vt.fleet.enroll(1, group, group);
      if (!computer) throw new Error('no computer');
      // Saturdays 01:00–05:00 UTC; the clock stands on a Monday.
      await vt.fleet.admin('PUT', `/api/v1/groups/${group}/windows`, {
        windows: [{ cron: '0 1 * * 6', durationMinutes: 240, timezone: 'UTC' }],
      });
      const told = async () => {
        const { assignments } = await vt.fleet.checkin(computer);
        return assignments as unknown as { policy: string; installAt: string | null }[];
      };
      const scheduled = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
      });
      await vt.server.services.engine.run(); // the next tick acts on it
      const [early] = await told();
      expect(early?.policy).toBe('scheduled');
      const at = new Date(early?.installAt ?? 0);
      expect([at.getUTCDay(), at.getUTCHours(), at.getUTCMinutes()]).toEqual([6, 1, 0]);
      await vt.fleet.admin('POST', `/api/v1/deployments/${scheduled.body.id}/revoke`, {});
      await vt.fleet.admin('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: { phases: [{ name: 'all', percent: 100 }], policy: 'auto-download' },
      });
      await vt.server.services.engine.run(); // the next tick acts on it
      const later = await told();
      expect(later.map((a) => a.policy)).toEqual([]);
    });

    it('shows the policy a deployment sets, and a redeploy to a new revision keeps it unset', async () => {
      const first = manifestFactory();
      const fixed = manifestFactory();
      await vt.fleet.importUpdate(first);
      await vt.fleet.importUpdate(fixed);
      const group = `policy-shown-${engine}`;
      await vt.fleet.admin('POST', '/api/v1/groups', { name: group });
      await vt.fleet.enroll(1, group, group);
      type Shown = { id: string; policy: string | null };
      const plain = await vt.fleet.admin<Shown>('POST', '/api/v1/deployments', {
        update: first.id,
        group,
      });
      await vt.server.services.engine.run(); // the next tick acts on it
      expect(plain.body.policy).toBeNull();
      const redeployed = await vt.fleet.admin<Shown>(
        'POST',
        `/api/v1/deployments/${plain.body.id}/redeploy`,
        { failedOnly: false, update: fixed.id },
      );
      await vt.server.services.engine.run(); // the next tick acts on it
      expect(redeployed.status).toBe(200);
      expect(redeployed.body.id).not.toBe(plain.body.id);
      expect(redeployed.body.policy).toBeNull();
      const notify = await vt.fleet.admin<Shown>('POST', '/api/v1/deployments', {
        update: fixed.id,
        group,
        allowDuplicate: true,
        plan: { phases: [{ name: 'all', percent: 100 }], policy: 'notify' },
      });
      await vt.server.services.engine.run(); // the next tick acts on it
      expect(notify.body.policy).toBe('notify');
    });
  });
}
