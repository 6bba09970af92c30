import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeploymentRepository } from '../src/store/deployment.repository.js';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { virtualTimeServer } from './support/virtual-time.js';

type Deployment = { id: string; phases: { name: string; size: number }[] };

for (const engine of ENGINES) {
  describe(`joiners on ${engine}`, () => {
    const vt = virtualTimeServer(engine);
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('are placed by the leader as they join, without reading the target, within each phase share', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name: 'live' });
      await vt.fleet.enroll(20, 'live', 'first');
      const { body } = await vt.fleet.admin<Deployment>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'live',
        plan: {
          phases: [
            { name: 'pilot', percent: 10 },
            { name: 'broad', percent: 100 },
          ],
        },
      });
      await vt.server.services.engine.run(); // the full pass places the first 20
      const sizes = async () =>
        (await vt.fleet.admin<Deployment>('GET', `/api/v1/deployments/${body.id}`)).body.phases.map(
          (p) => p.size,
        );
      expect(await sizes()).toEqual([2, 18]);

      const target = vi.spyOn(DeploymentRepository.prototype, 'targetPage');
      await vt.fleet.enroll(20, 'live', 'joiner');
      expect(await sizes()).toEqual([4, 36]); // ceil(10% of 40) = 4, before any tick
      expect(target).not.toHaveBeenCalled();
    });
  });
}
