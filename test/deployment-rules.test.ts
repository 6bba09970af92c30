import { describe, expect, it } from 'vitest';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { virtualTimeServer, type DeploymentAnswer } from './support/virtual-time.js';

const hour = 3600_000;

for (const engine of ENGINES) {
  describe(`the deployment rules on ${engine}, in virtual time`, () => {
    const vt = virtualTimeServer(engine);
    it('keeps enforcing a completed deployment: a joiner and a re-imaged computer get the update', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      const group = `keep-${engine}`;
      await vt.fleet.admin('POST', '/api/v1/groups', { name: group });
      const computers = await vt.fleet.enroll(2, group, group);
      const { body } = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
      });
      await vt.server.services.engine.run(); // the leader's next tick opens the first phase
      expect(await vt.fleet.cycle(computers, () => 'installed')).toHaveLength(2);
      const done = await vt.fleet.admin<DeploymentAnswer>('GET', `/api/v1/deployments/${body.id}`);
      expect(done.body.state).toBe('completed');

      // One computer is re-imaged (same hostname and hardware), and a new one joins.
      const token = await vt.fleet.admin<{ token: string }>('POST', '/api/v1/enrollments', {
        group,
      });
      const first = computers[0];
      if (!first) throw new Error('no computer');
      // A re-image is claimed by the new agent (its nonce) and approved by an admin.
      const nonce = `${crypto.randomUUID()}${crypto.randomUUID()}`.replaceAll('-', '');
      const enroll = () =>
        vt.server.app.inject({
          method: 'POST',
          url: '/agent/v1/enroll',
          payload: { enrollmentToken: token.body.token, inventory: first.inventory, nonce },
        });
      const claim = await enroll();
      const requestId = claim.json<{ details: { reimageRequestId: string } }>().details
        .reimageRequestId;
      await vt.fleet.admin('POST', `/api/v1/reimage-requests/${requestId}/approve`);
      const reimaged = await enroll();
      expect(reimaged.json<{ computerId: string }>().computerId).toBe(first.computerId);
      first.credential = reimaged.json<{ credential: string }>().credential;
      const [joiner] = await vt.fleet.enroll(1, group, `${group}-new`);
      if (!joiner) throw new Error('no joiner');
      await vt.server.services.engine.run();
      const reopened = await vt.fleet.admin<DeploymentAnswer>(
        'GET',
        `/api/v1/deployments/${body.id}`,
      );
      expect(reopened.body.state).toBe('active');
      expect(reopened.body.counts.pending).toBe(2);

      const ran = await vt.fleet.cycle([...computers, joiner], () => 'installed');
      expect(new Set(ran)).toEqual(new Set([first.computerId, joiner.computerId]));
      const again = await vt.fleet.admin<DeploymentAnswer>('GET', `/api/v1/deployments/${body.id}`);
      expect(again.body.state).toBe('completed');
      expect(again.body.stateReason).toMatch(/completed: 3 of 3/);
    });

    it('refuses to promote a phase whose gate is not manual', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      const group = `promote-${engine}`;
      await vt.fleet.admin('POST', '/api/v1/groups', { name: group });
      await vt.fleet.enroll(4, group, group);
      const plan = {
        phases: [
          { name: 'pilot', percent: 50 },
          { name: 'rest', percent: 100 },
        ],
      };
      const auto = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan,
      });
      await vt.server.services.engine.run(); // the leader's next tick opens the first phase
      const refused = await vt.fleet.admin<{ error: string; message: string }>(
        'POST',
        `/api/v1/deployments/${auto.body.id}/promote`,
        {},
      );
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/gate of phase pilot is not manual/);

      const manual = await vt.fleet.admin<
        DeploymentAnswer & { phases: { promotedAt: string | null }[] }
      >('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: { ...plan, gate: { manual: true } },
        allowDuplicate: true,
      });
      await vt.server.services.engine.run(); // the leader's next tick opens the first phase
      const promoted = await vt.fleet.admin<{ phases: { promotedAt: string | null }[] }>(
        'POST',
        `/api/v1/deployments/${manual.body.id}/promote`,
        {},
      );
      expect(promoted.status).toBe(200);
      expect(promoted.body.phases[0]?.promotedAt).not.toBeNull();
    });

    it('refuses a second live deployment of the same update to the same group unless allowed', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      const group = `dup-${engine}`;
      await vt.fleet.admin('POST', '/api/v1/groups', { name: group });
      const first = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
      });
      expect(first.status).toBe(201);
      const second = await vt.fleet.admin<{ error: string; message: string; details: unknown }>(
        'POST',
        '/api/v1/deployments',
        { update: manifest.id, groups: [group] },
      );
      expect(second.status).toBe(409);
      expect(second.body.error).toBe('duplicate-deployment');
      expect(second.body.message).toContain(first.body.id);
      const allowed = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        allowDuplicate: true,
      });
      expect(allowed.status).toBe(201);
      // A revoked deployment is not live: deploying again needs no override.
      for (const id of [first.body.id, allowed.body.id]) {
        await vt.fleet.admin('POST', `/api/v1/deployments/${id}/revoke`, {});
      }
      const fresh = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
      });
      expect(fresh.status).toBe(201);
    });

    it('rejects a recurrenceByGroup naming a group that does not exist, naming the field', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      const group = `rec-${engine}`;
      await vt.fleet.admin('POST', '/api/v1/groups', { name: group });
      const res = await vt.fleet.admin<{ details: { issues: { field: string }[] } }>(
        'POST',
        '/api/v1/deployments',
        {
          update: manifest.id,
          group,
          plan: { phases: [{ name: 'all', percent: 100 }], recurrenceByGroup: { nosuch: 3600 } },
        },
      );
      expect(res.status).toBe(400);
      expect(res.body.details.issues.map((i) => i.field)).toEqual([
        'plan.recurrenceByGroup.nosuch',
      ]);
    });

    it('completes once every computer is done, counting failures before the install as attempts', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      const group = `final-${engine}`;
      await vt.fleet.admin('POST', '/api/v1/groups', { name: group });
      const computers = await vt.fleet.enroll(3, group, group);
      const { body } = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: { phases: [{ name: 'all', percent: 100 }], maxAttempts: 2, recurrenceSeconds: 3600 },
      });
      await vt.server.services.engine.run(); // the leader's next tick opens the first phase
      const [broken, ...good] = computers;
      if (!broken) throw new Error('no computer');
      await vt.fleet.cycle(good, () => 'installed');
      // The download fails each time: no install ever starts on this computer.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        for (const a of (await vt.fleet.checkin(broken)).assignments) {
          await vt.fleet.report(broken, a.updateId, a.deploymentId, 'downloading');
          await vt.fleet.report(broken, a.updateId, a.deploymentId, 'failed', {
            reason: 'download-failed',
          });
        }
        vt.advance(2 * hour);
        await vt.server.services.engine.run();
      }
      const shown = await vt.fleet.admin<DeploymentAnswer>('GET', `/api/v1/deployments/${body.id}`);
      const targets = await vt.fleet.admin<{ items: { attempts: number }[] }>(
        'GET',
        `/api/v1/deployments/${body.id}/computers`,
      );
      expect(targets.body.items.map((c) => c.attempts).sort()).toEqual([1, 1, 2]);
      expect(shown.body.state).toBe('completed');
      expect(shown.body.stateReason).toMatch(/2 of 3 .*1 failed after 2 attempts/);
    });
  });
}
