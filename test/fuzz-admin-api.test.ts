import { adminRoutes } from '../src/contracts/admin-routes.js';
import { serviceRoutes } from '../src/contracts/routes.js';
import { fuzzSeed } from './support/fuzz.js';
import { fuzzRoutes } from './support/fuzz-suite.js';

fuzzRoutes(
  'the admin API',
  { ...adminRoutes, ...serviceRoutes },
  fuzzSeed('test/fuzz-admin-api.test.ts'),
  1500,
);
