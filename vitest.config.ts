import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure code, in-process API and storage suites; files in
 * parallel, each PostgreSQL suite in its own schema) and `e2e` (real server and
 * agent processes, the simulator, the push channel; they wait for conditions, never for time;
 * one file at a time so they do not compete for the CPU). `npm test` runs both.
 */
const e2e = ['test/e2e-*.test.ts', 'test/replicas.test.ts', 'test/sim-*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: e2e },
      },
      {
        extends: true,
        test: { name: 'e2e', include: e2e, fileParallelism: false },
      },
    ],
  },
});
