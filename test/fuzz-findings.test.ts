import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './support/engines.js';
import type { FuzzContext } from './support/fuzz-requests.js';
import { fuzzServer } from './support/fuzz-server.js';
import type { TestServer } from './support/test-server.js';

/** Each 500 the fuzz suite found, kept as a plain case. */
const huge = 2 ** 52;

for (const engine of ENGINES) {
  describe(`what the fuzz suite found, on ${engine}`, () => {
    let server: TestServer;
    let context: FuzzContext;
    beforeAll(async () => {
      ({ server, context } = await fuzzServer(engine));
    });
    afterAll(async () => {
      await server.stop();
    });

    const deploy = (url: string, plan: object) => {
      const { update } = context.samples.createDeployment as { update: string };
      return server.app.inject({
        method: 'POST',
        url,
        headers: server.adminHeaders,
        payload: {
          update,
          group: 'pilots',
          plan: { phases: [{ name: 'all', percent: 100 }], ...plan },
        },
      });
    };
    const fields = (res: { json<T>(): T }) =>
      res.json<{ details: { issues: { field: string }[] } }>().details.issues.map((i) => i.field);

    it('a dry run whose soak or phase start lies past the last date JavaScript holds is a 400', async () => {
      // Was a 500: the phase's opening time was an invalid Date, and toISOString threw.
      const soak = await deploy('/api/v1/deployments/dry-run', {
        phases: [
          { name: 'canary', percent: 10 },
          { name: 'rest', percent: 100 },
        ],
        soakSeconds: huge,
      });
      expect(soak.statusCode).toBe(400);
      expect(fields(soak)).toEqual(['plan.soakSeconds']);
      const start = await deploy('/api/v1/deployments/dry-run', {
        phases: [{ name: 'all', percent: 100, start: { afterSeconds: huge } }],
      });
      expect(start.statusCode).toBe(400);
      expect(fields(start)).toEqual(['plan.phases.0.start.afterSeconds']);
    });

    it('a deployment whose maxAttempts does not fit a 32-bit integer is a 400', async () => {
      // Was a 500 on PostgreSQL: the attempts count compares it with an integer column.
      const res = await deploy('/api/v1/deployments', { maxAttempts: huge });
      expect(res.statusCode).toBe(400);
      expect(fields(res)).toEqual(['plan.maxAttempts']);
      const fine = await deploy('/api/v1/deployments', {
        maxAttempts: 1000,
        retryBackoffSeconds: 86_400,
      });
      expect(fine.statusCode).toBe(201);
    });
  });
}
