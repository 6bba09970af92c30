import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { RouteDeclaration } from '../../src/contracts/route.js';
import { ENGINES } from './engines.js';
import { fuzzRuns, fuzzTimeout } from './fuzz.js';
import { anyRequest, sendChecked, Tally, type FuzzContext } from './fuzz-requests.js';
import { fuzzServer } from './fuzz-server.js';
import type { TestServer } from './test-server.js';

/**
 * On each engine: generated requests to every one of `routes`, each answered below 500
 * in its declared shape; the answers per route and status are printed.
 */
export function fuzzRoutes(
  what: string,
  routes: Record<string, RouteDeclaration>,
  seed: number,
  runs: number,
): void {
  for (const engine of ENGINES) {
    describe(`${what} under fuzzed requests, on ${engine}`, () => {
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
            { seed, numRuns: fuzzRuns(runs) },
          );
          console.log(`${engine}, answers per route:\n${tally.toString()}`);
        },
        fuzzTimeout(120_000),
      );
    });
  }
}
