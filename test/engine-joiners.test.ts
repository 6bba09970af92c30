import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RolloutRepository } from '../src/store/rollout.repository.js';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';

type Deployment = { id: string; phases: { name: string; size: number }[] };

for (const engine of ENGINES) {
  describe(`joiners on ${engine}`, () => {
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
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('are placed by the leader as they join, without reading the target, within each phase share', async () => {
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await fleet.admin('POST', '/api/v1/groups', { name: 'live' });
      await fleet.enroll(20, 'live', 'first');
      const { body } = await fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'live',
        plan: {
          phases: [
            { name: 'pilot', percent: 10 },
            { name: 'broad', percent: 100 },
          ],
        },
      });
      await server.services.engine.run(); // the full pass places the first 20
      const sizes = async () =>
        (await fleet.admin<Deployment>('GET', `/api/v1/deployments/${body.id}`)).body.phases.map(
          (p) => p.size,
        );
      expect(await sizes()).toEqual([2, 18]);

      const target = vi.spyOn(RolloutRepository.prototype, 'targetComputers');
      const placed = vi.spyOn(RolloutRepository.prototype, 'assigned');
      await fleet.enroll(20, 'live', 'joiner');
      expect(await sizes()).toEqual([4, 36]); // ceil(10% of 40) = 4, before any tick
      expect(target).not.toHaveBeenCalled();
      expect(placed).not.toHaveBeenCalled();
    });
  });
}
