import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait.js';

type Deployment = {
  id: string;
  phases: { name: string; openedAt: string | null }[];
};

/** Longer than the test: the engine's interval tick never comes, only what wakes it. */
const AN_HOUR_MS = 3_600_000;

for (const engine of ENGINES) {
  describe(`on ${engine}, a report that completes a gate opens the next phase and wakes its computers`, () => {
    let server: TestServer;
    // The virtual clock stands still: nothing is due by time, only by the report.
    const now = Date.parse('2026-06-01T08:00:00Z');

    beforeAll(async () => {
      server = await startTestServer(engine, { now: () => now }, { engineIntervalMs: AN_HOUR_MS });
    });
    afterAll(async () => {
      await server.stop();
    });

    it('at once, without a tick interval or an evaluation time, waking only the opened phase', async () => {
      const fleet = fleetDriver(server, () => now);
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await fleet.admin('POST', '/api/v1/groups', { name: 'fleet' });
      const computers = await fleet.enroll(4, 'fleet', 'gate');
      // What each computer's push channel is told, as the agent's stream would hear it.
      const woken: string[] = [];
      for (const c of computers)
        server.services.hub.subscribe(c.computerId, () => woken.push(c.computerId));

      const created = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'fleet',
        plan: {
          phases: [
            { name: 'pilot', percent: 25 },
            { name: 'broad', percent: 100 },
          ],
          soakSeconds: 0,
          gate: { minSuccessPercent: 100 },
        },
      });
      expect(created.status).toBe(201);
      const show = async () =>
        (await fleet.admin<Deployment>('GET', `/api/v1/deployments/${created.body.id}`)).body;
      await waitFor(
        'the pilot phase to open',
        async () => (await show()).phases[0]?.openedAt,
        30_000,
      );

      // The pilot computer is the one placed in phase 0; the three others wait for broad.
      const placements = await waitFor(
        'the four computers placed',
        async () => {
          const rows = await server.store.db
            .selectFrom('placements')
            .select(['computer_id', 'phase'])
            .where('deployment_id', '=', created.body.id)
            .execute();
          return rows.length === 4 && rows;
        },
        30_000,
      );
      const inPilot = placements.filter((p) => Number(p.phase) === 0).map((p) => p.computer_id);
      expect(inPilot).toHaveLength(1);
      const pilotComputer = computers.find((c) => c.computerId === inPilot[0])!;
      const broad = computers.filter((c) => c !== pilotComputer).map((c) => c.computerId);
      const a = await waitFor(
        'the pilot computer told to install',
        async () => (await fleet.checkin(pilotComputer)).assignments[0],
        30_000,
      );
      for (const c of computers.filter((x) => x !== pilotComputer))
        expect((await fleet.checkin(c)).assignments).toEqual([]);
      const pilot = { c: pilotComputer, a };
      await waitFor('the pilot wake-up', () => woken.includes(pilot.c.computerId), 30_000);
      woken.length = 0;

      await fleet.report(pilot.c, pilot.a.updateId, pilot.a.deploymentId, 'installed', {
        exitCode: 0,
      });
      await waitFor(
        'the broad phase to open',
        async () => (await show()).phases[1]?.openedAt,
        30_000,
      );
      await waitFor('the broad computers woken', () => woken.length >= broad.length, 30_000);
      // Only the computers of the phase that opened: the pilot has its assignment already.
      expect([...woken].sort()).toEqual([...broad].sort());
      for (const id of broad) {
        const c = computers.find((x) => x.computerId === id)!;
        expect((await fleet.checkin(c)).assignments.map((a) => a.updateId)).toEqual([manifest.id]);
      }
    });
  });
}
