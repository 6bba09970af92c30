import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestFactory } from './factories/update.factory.js';
import { fleetDriver } from './support/fleet.js';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';

type Deployment = {
  id: string;
  state: string;
  stateReason: string | null;
  counts: Record<string, number>;
  phases: { name: string; openedAt: string | null; size: number }[];
};

for (const engine of ENGINES) {
  describe(`deployments of several updates, and their policy on ${engine}, in virtual time`, () => {
    let server: TestServer;
    const now = Date.parse('2026-06-01T00:00:00Z');
    let fleet: ReturnType<typeof fleetDriver>;

    beforeAll(async () => {
      server = await startTestServer(engine, { now: () => now }, { engineIntervalMs: 0 });
      fleet = fleetDriver(server, () => now);
    });
    afterAll(async () => {
      await server.stop();
    });
    it('deploys several updates as one deployment, each computer × update on its own, and rolls back what can be', async () => {
      const withUninstall = manifestFactory();
      const without = manifestFactory({ uninstall: undefined });
      await fleet.importUpdate(withUninstall);
      await fleet.importUpdate(without);
      const group = `multi-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      const computers = await fleet.enroll(3, group, group);
      type Multi = Deployment & {
        updates: string[];
        total: number;
        countsByUpdate: Record<string, Record<string, number>>;
        computers: { computerId: string; updateId: string; state: string }[];
      };
      const created = await fleet.admin<Multi>('POST', '/api/v1/deployments', {
        updates: [withUninstall.id, without.id],
        group,
      });
      await server.services.engine.run(); // the next tick acts on it
      expect(created.status).toBe(201);
      expect(created.body.updates).toEqual([withUninstall.id, without.id]);
      expect(created.body.total).toBe(6);

      // One computer fails the second update: the others complete both.
      const [unlucky] = computers;
      const ran = await fleet.cycle(computers, (c, updateId) =>
        c === unlucky && updateId === without.id ? 'failed' : 'installed',
      );
      expect(ran).toHaveLength(6);
      const shown = await fleet.admin<Multi>('GET', `/api/v1/deployments/${created.body.id}`);
      expect(shown.body.counts).toMatchObject({ installed: 5, failed: 1 });
      expect(shown.body.countsByUpdate[withUninstall.id]).toMatchObject({ installed: 3 });
      expect(shown.body.countsByUpdate[without.id]).toMatchObject({ installed: 2, failed: 1 });
      expect(shown.body.computers).toHaveLength(6);
      expect(shown.body.state).toBe('active');

      const rollback = await fleet.admin<Multi>(
        'POST',
        `/api/v1/deployments/${created.body.id}/rollback`,
        {},
      );
      await server.services.engine.run(); // the next tick acts on it
      expect(rollback.status).toBe(200);
      const uninstalled = await fleet.cycle(computers, () => 'installed');
      expect(uninstalled).toHaveLength(3);
      const rolled = await fleet.admin<Multi>('GET', `/api/v1/deployments/${created.body.id}`);
      expect(rolled.body.state).toBe('rolled-back');
      expect(rolled.body.countsByUpdate[withUninstall.id]).toMatchObject({ uninstalled: 3 });
      expect(rolled.body.countsByUpdate[without.id]).toMatchObject({ installed: 2 });
    });

    it('refuses a rollback when none of the updates can be uninstalled, and a missing update', async () => {
      const a = manifestFactory({ uninstall: undefined });
      const b = manifestFactory({ uninstall: undefined });
      await fleet.importUpdate(a);
      await fleet.importUpdate(b);
      const group = `multi-none-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      const missing = await fleet.admin<{ error: string; message: string }>(
        'POST',
        '/api/v1/deployments',
        { updates: [a.id, 'no-such-update'], group },
      );
      await server.services.engine.run(); // the next tick acts on it
      expect(missing.status).toBe(404);
      expect(missing.body.message).toContain('no-such-update');
      const created = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        updates: [a.id, b.id],
        group,
      });
      await server.services.engine.run(); // the next tick acts on it
      const rollback = await fleet.admin<{ error: string; message: string }>(
        'POST',
        `/api/v1/deployments/${created.body.id}/rollback`,
        {},
      );
      await server.services.engine.run(); // the next tick acts on it
      expect(rollback.status).toBe(409);
      expect(rollback.body).toMatchObject({ error: 'not-uninstallable' });
      expect(rollback.body.message).toContain(`none of the updates ${a.id}, ${b.id}`);
    });

    it("assigns the deployment's own policy, and scheduled when neither it nor a group sets one", async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      const group = `policy-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      const [computer] = await fleet.enroll(1, group, group);
      if (!computer) throw new Error('no computer');
      const policyOf = async () => {
        const { assignments } = await fleet.checkin(computer);
        return (assignments as unknown as { policy: string }[]).map((a) => a.policy);
      };
      const plain = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
      });
      await server.services.engine.run(); // the next tick acts on it
      expect(await policyOf()).toEqual(['scheduled']);
      await fleet.admin('POST', `/api/v1/deployments/${plain.body.id}/revoke`, {});
      await server.services.engine.run(); // the next tick acts on it
      await fleet.admin('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: { phases: [{ name: 'all', percent: 100 }], policy: 'notify' },
      });
      await server.services.engine.run(); // the next tick acts on it
      expect(await policyOf()).toEqual(['notify']);
    });

    it('shows the policy a deployment sets, and a redeploy to a new revision keeps it unset', async () => {
      const first = manifestFactory();
      const fixed = manifestFactory();
      await fleet.importUpdate(first);
      await fleet.importUpdate(fixed);
      const group = `policy-shown-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      await fleet.enroll(1, group, group);
      type Shown = { id: string; policy: string | null };
      const plain = await fleet.admin<Shown>('POST', '/api/v1/deployments', {
        update: first.id,
        group,
      });
      await server.services.engine.run(); // the next tick acts on it
      expect(plain.body.policy).toBeNull();
      const redeployed = await fleet.admin<Shown>(
        'POST',
        `/api/v1/deployments/${plain.body.id}/redeploy`,
        { failedOnly: false, update: fixed.id },
      );
      await server.services.engine.run(); // the next tick acts on it
      expect(redeployed.status).toBe(200);
      expect(redeployed.body.id).not.toBe(plain.body.id);
      expect(redeployed.body.policy).toBeNull();
      const notify = await fleet.admin<Shown>('POST', '/api/v1/deployments', {
        update: fixed.id,
        group,
        allowDuplicate: true,
        plan: { phases: [{ name: 'all', percent: 100 }], policy: 'notify' },
      });
      await server.services.engine.run(); // the next tick acts on it
      expect(notify.body.policy).toBe('notify');
    });
  });
}
