import { adminRoutes } from '../src/contracts/admin-routes.js';
import { serviceRoutes } from '../src/contracts/routes.js';
import { fuzzSeed } from './support/fuzz.js';
import { fuzzRoutes } from './support/fuzz-suite.js';

// The live stream is left out: on a real deployment it streams until closed
// (test/console.test.ts covers its 401 and 404 answers).
const { watchDeployment: _stream, ...routes } = adminRoutes;

fuzzRoutes(
  'the admin API',
  { ...routes, ...serviceRoutes },
  fuzzSeed('test/fuzz-admin-api.test.ts'),
  1500,
);
