import { agentRoutes } from '../src/contracts/agent-routes.js';
import { fuzzSeed } from './support/fuzz.js';
import { fuzzRoutes } from './support/fuzz-suite.js';

// The push channel is left out: on the computer's own id it streams until closed.
const { wake: _stream, ...routes } = agentRoutes;

fuzzRoutes('the agent API', routes, fuzzSeed('test/fuzz-agent-api.test.ts'), 1000);
