import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layering rules of eslint.config.js, run on planted imports. Type-aware rules are
 * switched off: the planted files do not exist, and only the import rules matter here.
 */
const eslint = new ESLint({
  cwd: new URL('..', import.meta.url).pathname,
  overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
});

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import '${source}';\n`, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const RULE = '@typescript-eslint/no-restricted-imports';

const forbidden: [file: string, source: string][] = [
  ['src/domain/rollout/engine.ts', '../../contracts/plan.js'],
  ['src/domain/rollout/engine.test.ts', '../../contracts/plan.js'],
  ['src/domain/status.ts', '../server/server.js'],
  ['src/domain/status.ts', '../store/db.js'],
  ['src/domain/status.ts', '../agent/core/host.js'],
  ['src/domain/status.ts', '../cli/main.js'],
  ['src/domain/status.ts', '../sim/run.js'],
  ['src/domain/status.ts', 'node:fs'],
  ['src/domain/status.ts', 'fs'],
  ['src/domain/status.ts', 'node:fs/promises'],
  ['src/domain/status.ts', 'kysely'],
  ['src/domain/status.ts', 'fastify'],
  ['src/domain/status.ts', 'pg'],
  ['src/domain/status.ts', 'better-sqlite3'],
  ['src/domain/status.ts', 'undici'],
  ['src/domain/deployment/state.ts', '../../contracts/api.js'],
  ['src/contracts/api.ts', '../server/server.js'],
  ['src/contracts/api.ts', '../store/db.js'],
  ['src/contracts/api.ts', '../agent/core/host.js'],
  ['src/contracts/api.ts', '../cli/main.js'],
  ['src/contracts/api.ts', '../sim/run.js'],
  ['src/store/db.ts', '../server/services/index.js'],
  ['src/store/migrations/index.ts', '../../server/server.js'],
  ['src/store/db.ts', '../agent/core/host.js'],
  ['src/store/db.ts', '../cli/main.js'],
  ['src/store/db.ts', '../sim/run.js'],
  ['src/agent/core/assignment.ts', '../host/real-host.js'],
  ['src/agent/core/assignment.ts', '../installers/command-installer.js'],
  ['src/agent/core/agent-core.test.ts', '../host/real-host.js'],
  ['src/agent/core/assignment.ts', 'node:child_process'],
  ['src/agent/core/assignment.ts', 'child_process'],
  ['src/agent/core/assignment.ts', '../../cli/main.js'],
  ['src/agent/core/assignment.ts', '../../server/server.js'],
  ['src/agent/core/assignment.ts', '../../store/db.js'],
  ['src/sim/run.ts', '../cli/api-client.js'],
  ['src/server/server.ts', '../cli/main.js'],
  ['src/server/http/app.ts', '../../sim/run.js'],
];

const allowed: [file: string, source: string][] = [
  ['src/domain/rollout/engine.ts', './plan.js'],
  ['src/domain/rollout/engine.ts', '../status.js'],
  ['src/domain/rollout/windows.ts', 'cron-parser'],
  ['src/domain/rollout/engine.test.ts', 'vitest'],
  ['src/contracts/plan.ts', '../domain/rollout/plan.js'],
  ['src/contracts/plan.ts', 'zod'],
  ['src/store/db.ts', '../domain/errors.js'],
  ['src/store/db.ts', 'kysely'],
  ['src/agent/core/assignment.ts', './host.js'],
  ['src/agent/core/assignment.ts', '../../contracts/manifest.js'],
  ['src/agent/host/command-runner.ts', 'node:child_process'],
  ['src/server/server.ts', '../store/db.js'],
  ['src/sim/run.ts', '../agent/core/agent-core.js'],
  ['src/cli/main.ts', '../server/server.js'],
];

describe('lint enforces the layering', () => {
  it.each(forbidden)('%s may not import %s', async (file, source) => {
    const messages = await restricted(file, source);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(`${RULE}: '${source}' import is restricted`);
  });

  it.each(allowed)('%s may import %s', async (file, source) => {
    expect(await restricted(file, source)).toEqual([]);
  });
});
