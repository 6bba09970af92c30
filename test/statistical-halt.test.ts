import { describe, expect, it } from 'vitest';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { virtualTimeServer, type DeploymentAnswer } from './support/virtual-time.js';

for (const engine of ENGINES) {
  describe(`the statistical halt through the API on ${engine}`, () => {
    const vt = virtualTimeServer(engine);

    async function pilotWithOneFailure(name: string, gate: Record<string, unknown>) {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name });
      const computers = await vt.fleet.enroll(20, name, name);
      const created = await vt.fleet.admin<DeploymentAnswer>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: name,
        plan: {
          phases: [
            { name: 'pilot', percent: 10 },
            { name: 'broad', percent: 100 },
          ],
          gate,
        },
      });
      expect(created.status).toBe(201);
      await vt.server.services.engine.run();
      let failed = false;
      const ran = await vt.fleet.cycle(computers, () => {
        if (failed) return 'installed';
        failed = true;
        return 'failed';
      });
      expect(ran).toHaveLength(2);
      return (
        await vt.fleet.admin<DeploymentAnswer>('GET', `/api/v1/deployments/${created.body.id}`)
      ).body;
    }

    it('one failure in a 2-computer pilot halts at 20 % without a confidence', async () => {
      const shown = await pilotWithOneFailure(`plain-${engine}`, { maxFailurePercent: 20 });
      expect(shown.state).toBe('halted');
    });

    it('and does not at 20 % and 95 % confidence', async () => {
      const shown = await pilotWithOneFailure(`wilson-${engine}`, {
        maxFailurePercent: 20,
        confidence: 0.95,
        minSuccessPercent: 50,
      });
      expect(shown.state).toBe('active');
      expect(shown.counts).toMatchObject({ installed: 1, failed: 1 });
    });

    it('refuses a confidence given as a percent, naming the field', async () => {
      const manifest = manifestFactory();
      await vt.fleet.importUpdate(manifest);
      await vt.fleet.admin('POST', '/api/v1/groups', { name: `pct-${engine}` });
      const res = await vt.fleet.admin<{ message: string }>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: `pct-${engine}`,
        plan: {
          phases: [{ name: 'all', percent: 100 }],
          gate: { maxFailurePercent: 20, confidence: 95 },
        },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('plan.gate.confidence');
    });
  });
}
