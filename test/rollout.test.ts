import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestFactory } from './factories/update.factory.js';
import { fleetDriver } from './support/fleet.js';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const hour = 3600_000;

type Deployment = {
  id: string;
  state: string;
  stateReason: string | null;
  counts: Record<string, number>;
  phases: { name: string; openedAt: string | null; size: number }[];
};

for (const engine of ENGINES) {
  describe(`the phased rollout engine on ${engine}, in virtual time`, () => {
    let server: TestServer;
    let now = Date.parse('2026-06-01T00:00:00Z');
    let fleet: ReturnType<typeof fleetDriver>;

    beforeAll(async () => {
      server = await startTestServer(engine, { now: () => now }, { engineIntervalMs: 0 });
      fleet = fleetDriver(server, () => now);
    });
    afterAll(async () => {
      await server.stop();
    });

    it('halts a bad update in its first phase: no computer of the next phase ever gets it', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await fleet.admin('POST', '/api/v1/groups', { name: `bad-${engine}` });
      const computers = await fleet.enroll(20, `bad-${engine}`, `bad-${engine}`);
      const created = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
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
      expect(created.body.phases.map((p) => [p.name, p.size, p.openedAt !== null])).toEqual([
        ['pilot', 2, true],
        ['broad', 18, false],
      ]);

      const ran = await fleet.cycle(computers, () => 'failed');
      expect(ran).toHaveLength(2);
      const shown = await fleet.admin<Deployment>('GET', `/api/v1/deployments/${created.body.id}`);
      expect(shown.body.state).toBe('halted');
      expect(shown.body.stateReason).toMatch(/halted: failures 100(\.0)?% > 20% in pilot/);

      // Days later nothing more has run anywhere.
      now += 10 * 24 * hour;
      await server.services.engine.run();
      expect(await fleet.cycle(computers, () => 'failed')).toHaveLength(0);
      const events = await fleet.admin<{ type: string; message: string }[]>(
        'GET',
        `/api/v1/deployments/${created.body.id}/events`,
      );
      expect(events.body.map((e) => e.type)).toEqual(['created', 'phase-opened', 'halted']);
    });

    it('opens the next phase after the soak when the gate is met, then rolls back everywhere', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await fleet.admin('POST', '/api/v1/groups', { name: `good-${engine}` });
      const computers = await fleet.enroll(20, `good-${engine}`, `good-${engine}`);
      const created = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
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
      expect(await fleet.cycle(computers, () => 'installed')).toHaveLength(2);

      // Healthy, but the soak has not passed: broad stays closed.
      now += 23 * hour;
      await server.services.engine.run();
      expect(await fleet.cycle(computers, () => 'installed')).toHaveLength(0);

      now += 2 * hour;
      await server.services.engine.run();
      expect(await fleet.cycle(computers, () => 'installed')).toHaveLength(18);
      const done = await fleet.admin<Deployment>('GET', `/api/v1/deployments/${id}`);
      expect(done.body.counts.installed).toBe(20);
      expect(done.body.state).toBe('completed');

      const rollback = await fleet.admin<Deployment>('POST', `/api/v1/deployments/${id}/rollback`, {
        reason: 'breaks printing',
      });
      expect(rollback.status).toBe(200);
      expect(rollback.body.state).toBe('rolling-back');
      expect(await fleet.cycle(computers, () => 'installed')).toHaveLength(20);
      const rolled = await fleet.admin<Deployment>('GET', `/api/v1/deployments/${id}`);
      expect(rolled.body.counts.uninstalled).toBe(20);
      expect(rolled.body.state).toBe('rolled-back');
      const events = await fleet.admin<{ type: string; message: string }[]>(
        'GET',
        `/api/v1/deployments/${id}/events`,
      );
      expect(
        events.body.find((e) => e.type === 'phase-opened' && e.message.includes('broad'))?.message,
      ).toMatch(/100(\.0)?% ≥ 95%/);
    });

    it('halts, resumes and revokes in one action each; halted computers get nothing', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await fleet.admin('POST', '/api/v1/groups', { name: `hr-${engine}` });
      const computers = await fleet.enroll(3, `hr-${engine}`, `hr-${engine}`);
      const { body } = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `hr-${engine}`,
      });
      const halted = await fleet.admin<Deployment>('POST', `/api/v1/deployments/${body.id}/halt`, {
        reason: 'checking a report',
      });
      expect(halted.body).toMatchObject({ state: 'halted', stateReason: 'checking a report' });
      expect(await fleet.cycle(computers, () => 'installed')).toHaveLength(0);
      const again = await fleet.admin('POST', `/api/v1/deployments/${body.id}/halt`, {});
      expect(again.status).toBe(409);
      await fleet.admin('POST', `/api/v1/deployments/${body.id}/resume`, {});
      expect(await fleet.cycle(computers.slice(0, 1), () => 'installed')).toHaveLength(1);
      const revoked = await fleet.admin<Deployment>(
        'POST',
        `/api/v1/deployments/${body.id}/revoke`,
        {},
      );
      expect(revoked.body.state).toBe('revoked');
      expect(await fleet.cycle(computers, () => 'installed')).toHaveLength(0);
    });

    it('re-advertises to the computers that failed', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await fleet.admin('POST', '/api/v1/groups', { name: `re-${engine}` });
      const computers = await fleet.enroll(4, `re-${engine}`, `re-${engine}`);
      const { body } = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `re-${engine}`,
      });
      const flaky = new Set(computers.slice(0, 2).map((c) => c.computerId));
      await fleet.cycle(computers, (c) => (flaky.has(c.computerId) ? 'failed' : 'installed'));
      now += hour;
      expect(await fleet.cycle(computers, () => 'installed')).toHaveLength(0);
      await fleet.admin('POST', `/api/v1/deployments/${body.id}/redeploy`, { failedOnly: true });
      now += 1000;
      const ran = await fleet.cycle(computers, () => 'installed');
      expect(new Set(ran)).toEqual(flaky);
    });

    it('rejects impossible plans and a rollback without uninstall before anything is approved', async () => {
      const manifest = manifestFactory({
        uninstall: undefined,
        install: { command: 'sh install.sh', timeoutSeconds: 3600 },
      });
      await fleet.importUpdate(manifest);
      await fleet.admin('POST', '/api/v1/groups', { name: `plans-${engine}` });
      const bad = async (plan: unknown) => {
        const res = await fleet.admin<{ error: string; message: string }>(
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
      await fleet.admin('PUT', `/api/v1/groups/plans-${engine}/windows`, {
        windows: [{ cron: '0 1 * * 6', durationMinutes: 30, timezone: 'Asia/Tokyo' }],
      });
      expect(await bad({ phases: [{ name: 'all', percent: 100 }] })).toContain(
        'shorter than the install timeout',
      );
      await fleet.admin('PUT', `/api/v1/groups/plans-${engine}/windows`, { windows: [] });
      const list = await fleet.admin<unknown[]>('GET', '/api/v1/deployments');
      const before = list.body.length;
      const ok = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `plans-${engine}`,
      });
      expect(ok.status).toBe(201);
      const rollback = await fleet.admin<{ error: string; message: string }>(
        'POST',
        `/api/v1/deployments/${ok.body.id}/rollback`,
        {},
      );
      expect(rollback.status).toBe(409);
      expect(rollback.body).toMatchObject({ error: 'not-uninstallable' });
      expect((await fleet.admin<unknown[]>('GET', '/api/v1/deployments')).body.length).toBe(
        before + 1,
      );
    });

    it('keeps enforcing a completed deployment: a joiner and a re-imaged computer get the update', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      const group = `keep-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      const computers = await fleet.enroll(2, group, group);
      const { body } = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
      });
      expect(await fleet.cycle(computers, () => 'installed')).toHaveLength(2);
      const done = await fleet.admin<Deployment>('GET', `/api/v1/deployments/${body.id}`);
      expect(done.body.state).toBe('completed');

      // One computer is re-imaged (same hostname and hardware), and a new one joins.
      const token = await fleet.admin<{ token: string }>('POST', '/api/v1/enrollments', { group });
      const first = computers[0];
      if (!first) throw new Error('no computer');
      const reimaged = await server.app.inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        payload: { enrollmentToken: token.body.token, inventory: first.inventory },
      });
      expect(reimaged.json<{ computerId: string }>().computerId).toBe(first.computerId);
      first.credential = reimaged.json<{ credential: string }>().credential;
      const [joiner] = await fleet.enroll(1, group, `${group}-new`);
      if (!joiner) throw new Error('no joiner');
      await server.services.engine.run();
      const reopened = await fleet.admin<Deployment>('GET', `/api/v1/deployments/${body.id}`);
      expect(reopened.body.state).toBe('active');
      expect(reopened.body.counts.pending).toBe(2);

      const ran = await fleet.cycle([...computers, joiner], () => 'installed');
      expect(new Set(ran)).toEqual(new Set([first.computerId, joiner.computerId]));
      const again = await fleet.admin<Deployment>('GET', `/api/v1/deployments/${body.id}`);
      expect(again.body.state).toBe('completed');
      expect(again.body.stateReason).toMatch(/completed: 3 of 3/);
    });

    it('refuses to promote a phase whose gate is not manual', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      const group = `promote-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      await fleet.enroll(4, group, group);
      const plan = {
        phases: [
          { name: 'pilot', percent: 50 },
          { name: 'rest', percent: 100 },
        ],
      };
      const auto = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan,
      });
      const refused = await fleet.admin<{ error: string; message: string }>(
        'POST',
        `/api/v1/deployments/${auto.body.id}/promote`,
        {},
      );
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/gate of phase pilot is not manual/);

      const manual = await fleet.admin<Deployment & { phases: { promotedAt: string | null }[] }>(
        'POST',
        '/api/v1/deployments',
        {
          update: manifest.id,
          group,
          plan: { ...plan, gate: { manual: true } },
          allowDuplicate: true,
        },
      );
      const promoted = await fleet.admin<{ phases: { promotedAt: string | null }[] }>(
        'POST',
        `/api/v1/deployments/${manual.body.id}/promote`,
        {},
      );
      expect(promoted.status).toBe(200);
      expect(promoted.body.phases[0]?.promotedAt).not.toBeNull();
    });

    it('refuses a second live deployment of the same update to the same group unless allowed', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      const group = `dup-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      const first = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
      });
      expect(first.status).toBe(201);
      const second = await fleet.admin<{ error: string; message: string; details: unknown }>(
        'POST',
        '/api/v1/deployments',
        { update: manifest.id, groups: [group] },
      );
      expect(second.status).toBe(409);
      expect(second.body.error).toBe('duplicate-deployment');
      expect(second.body.message).toContain(first.body.id);
      const allowed = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        allowDuplicate: true,
      });
      expect(allowed.status).toBe(201);
      // A revoked deployment is not live: deploying again needs no override.
      for (const id of [first.body.id, allowed.body.id]) {
        await fleet.admin('POST', `/api/v1/deployments/${id}/revoke`, {});
      }
      const fresh = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
      });
      expect(fresh.status).toBe(201);
    });

    it('rejects a recurrenceByGroup naming a group that does not exist, naming the field', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      const group = `rec-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      const res = await fleet.admin<{ details: { issues: { field: string }[] } }>(
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
      await fleet.importUpdate(manifest);
      const group = `final-${engine}`;
      await fleet.admin('POST', '/api/v1/groups', { name: group });
      const computers = await fleet.enroll(3, group, group);
      const { body } = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: { phases: [{ name: 'all', percent: 100 }], maxAttempts: 2, recurrenceSeconds: 3600 },
      });
      const [broken, ...good] = computers;
      if (!broken) throw new Error('no computer');
      await fleet.cycle(good, () => 'installed');
      // The download fails each time: no install ever starts on this computer.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        for (const a of (await fleet.checkin(broken)).assignments) {
          await fleet.report(broken, a.updateId, a.deploymentId, 'downloading');
          await fleet.report(broken, a.updateId, a.deploymentId, 'failed', {
            reason: 'download-failed',
          });
        }
        now += 2 * hour;
        await server.services.engine.run();
      }
      const shown = await fleet.admin<Deployment & { computers: { attempts: number }[] }>(
        'GET',
        `/api/v1/deployments/${body.id}`,
      );
      expect(shown.body.computers.map((c) => c.attempts).sort()).toEqual([1, 1, 2]);
      expect(shown.body.state).toBe('completed');
      expect(shown.body.stateReason).toMatch(/2 of 3 .*1 failed after 2 attempts/);
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
      expect(missing.status).toBe(404);
      expect(missing.body.message).toContain('no-such-update');
      const created = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        updates: [a.id, b.id],
        group,
      });
      const rollback = await fleet.admin<{ error: string; message: string }>(
        'POST',
        `/api/v1/deployments/${created.body.id}/rollback`,
        {},
      );
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
      expect(await policyOf()).toEqual(['scheduled']);
      await fleet.admin('POST', `/api/v1/deployments/${plain.body.id}/revoke`, {});
      await fleet.admin('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: { phases: [{ name: 'all', percent: 100 }], policy: 'notify' },
      });
      expect(await policyOf()).toEqual(['notify']);
    });

    it('previews phases with a dry run', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await fleet.admin('POST', '/api/v1/groups', { name: `dry-${engine}` });
      await fleet.enroll(10, `dry-${engine}`, `dry-${engine}`);
      const res = await fleet.admin<{ phases: { name: string; computers: unknown[] }[] }>(
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
