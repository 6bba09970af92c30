import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeComputers } from '../src/domain/rollout/placement.js';
import { createRepositories, type Repositories } from '../src/store/repositories.js';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';

type Deployment = { id: string; phases: { size: number }[] };

/**
 * The engine's paged queries, on both engines: the streamed full pass places as the
 * whole-target rule does, the target and a phase's computers come a page at a time,
 * and the schedule says what comes due before the next tick.
 */
for (const engine of ENGINES) {
  describe(`the engine's paged queries on ${engine}`, () => {
    let server: TestServer;
    let repos: Repositories;
    const now = Date.parse('2026-06-01T08:00:00Z');
    let fleet: ReturnType<typeof fleetDriver>;
    let ids: string[];
    let deployment: Deployment;
    const phases = [
      { name: 'canary', groups: ['lab'] },
      { name: 'pilot', percent: 10 },
      { name: 'early', percent: 35 },
      { name: 'broad', percent: 100 },
    ];

    beforeAll(async () => {
      server = await startTestServer(engine, { now: () => now }, { engineIntervalMs: 0 });
      repos = createRepositories(server.store.db);
      fleet = fleetDriver(server, () => now);
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await fleet.admin('POST', '/api/v1/groups', { name: 'fleet' });
      await fleet.admin('POST', '/api/v1/groups', { name: 'lab' });
      ids = (await fleet.enroll(60, 'fleet', 'paged')).map((c) => c.computerId);
      await fleet.admin('POST', '/api/v1/groups/lab/members', { computers: ids.slice(0, 3) });
      const res = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'fleet',
        plan: { phases, soakSeconds: 3600 },
      });
      expect(res.status).toBe(201);
      deployment = res.body;
      await server.services.engine.run();
    });
    afterAll(async () => {
      await server.stop();
    });

    it('the streamed full pass places every computer where the whole-target rule does', async () => {
      const stored = await server.store.db
        .selectFrom('placements')
        .select(['computer_id', 'phase'])
        .where('deployment_id', '=', deployment.id)
        .execute();
      const groupsOf = new Map(ids.map((id, i) => [id, i < 3 ? ['fleet', 'lab'] : ['fleet']]));
      const expected = placeComputers({
        deploymentId: deployment.id,
        computerIds: ids,
        phases,
        groupsOf,
        placed: new Map(),
      });
      expect(new Map(stored.map((r) => [r.computer_id, Number(r.phase)]))).toEqual(expected.added);
      expect(expected.sizes).toEqual([3, 3, 15, 39]); // a real spread, not one phase
    });

    it('gives the target a page at a time, in id order, with each placement', async () => {
      const seen: { computerId: string; phase: number | null }[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await repos.deployments.targetPage(deployment.id, after, 7);
        seen.push(...page);
        if (page.length < 7) break;
        after = page[page.length - 1]?.computerId;
      }
      expect(seen.map((r) => r.computerId)).toEqual([...ids].sort());
      expect(seen.every((r) => r.phase !== null)).toBe(true);
      const names = await repos.deployments.groupNamesOf(ids.slice(0, 4));
      expect(names.get(ids[0]!)?.sort()).toEqual(['fleet', 'lab']);
      expect(names.get(ids[3]!)).toEqual(['fleet']);
    });

    it("gives one phase's computers a page at a time, for wake-ups", async () => {
      const all: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await repos.deployments.computerIdsPage(deployment.id, {
          phase: 2,
          after,
          limit: 4,
        });
        all.push(...page);
        if (page.length < 4) break;
        after = page[page.length - 1];
      }
      expect(all).toHaveLength(15);
      expect(all).toEqual([...all].sort());
      const whole = await repos.deployments.computerIdsPage(deployment.id, { limit: 1000 });
      expect(whole).toHaveLength(60);
    });

    it('says which deployments come due by a time, with their next evaluation time', async () => {
      // The pilot waits for the canary's gate: no time; say one, as a soak's end would.
      const later = now + 3600 * 1000;
      await repos.deployments.reschedule(deployment.id, null, later, 'a soak');
      expect(await repos.deployments.dueBy(now + 1000)).toEqual([]);
      expect(await repos.deployments.dueBy(later)).toEqual([
        { id: deployment.id, nextEvaluationAt: later },
      ]);
    });
  });
}
