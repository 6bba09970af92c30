import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { adminRoutes } from '../src/contracts/admin-routes.js';
import { serviceRoutes } from '../src/contracts/routes.js';
import { ENGINES } from './support/engines.js';
import { fuzzRuns, fuzzSeed, fuzzTimeout } from './support/fuzz.js';
import { anyRequest, sendChecked, Tally, type FuzzContext } from './support/fuzz-requests.js';
import { fuzzServer } from './support/fuzz-server.js';
import type { TestServer } from './support/test-server.js';

const seed = fuzzSeed('test/fuzz-admin-api.test.ts');
const routes = { ...adminRoutes, ...serviceRoutes };

for (const engine of ENGINES) {
  describe(`the admin API under fuzzed requests, on ${engine}`, () => {
    let server: TestServer;
    let context: FuzzContext;
    beforeAll(async () => {
      ({ server, context } = await fuzzServer(engine));
    });
    afterAll(async () => {
      await server.stop();
    });

    it(
      'answers every request below 500, in its declared shape',
      async () => {
        const tally = new Tally();
        await fc.assert(
          fc.asyncProperty(anyRequest(routes, context), (request) =>
            sendChecked(server.app, request, tally),
          ),
          { seed, numRuns: fuzzRuns(1500) },
        );
        console.log(`${engine}, answers per route:\n${tally.toString()}`);
      },
      fuzzTimeout(120_000),
    );
  });
}
