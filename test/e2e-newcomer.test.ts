import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServerProcess, type ServerProcess } from './support/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
/** The first path segment of each line of an ignore file (`dist/` → `dist`). */
const ignored = (file: string): string[] =>
  read(file)
    .split('\n')
    .map((l) => l.trim().replace(/\/$/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'));

/** What the README's quick start does, and what it leaves behind. */
describe("the README's walkthrough", () => {
  const adminToken = 'rm_admin_e2e-newcomer-0123456789';
  let work: string;
  let server: ServerProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-newcomer-'));
    mkdirSync(path.join(work, 'tmp'));
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
    // TMPDIR: the example's markers land in this test's own folder, not the machine's /tmp.
    env = {
      RINGMASTER_URL: server.url,
      RINGMASTER_TOKEN: adminToken,
      TMPDIR: path.join(work, 'tmp'),
    };
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('keeps the agent state where git, prettier and eslint do not look', () => {
    const stateDir = /--state-dir (\S+)/.exec(read('README.md'))?.[1];
    expect(stateDir).toBeDefined();
    const top = (stateDir as string).replace(/^\.\//, '').split('/')[0] as string;
    expect(ignored('.gitignore')).toContain(top);
    expect(ignored('.prettierignore')).toContain(top);
    expect(read('eslint.config.js')).toContain(`'${top}/'`);
  });

  it('installs the example update on every computer that enrolls, not once per machine', async () => {
    const cli = async (...args: string[]): Promise<string> => {
      const r = await runCli([...args, '--json'], env);
      if (r.code !== 0) throw new Error(`ringmaster ${args.join(' ')}:\n${r.stderr}`);
      return r.stdout;
    };
    await cli('update', 'import', path.join(root, 'examples/updates/RM-2026-0001'));
    await cli('group', 'create', 'pilot');
    const { token } = JSON.parse(
      await cli('enrollment', 'create', '--group', 'pilot', '--uses', '2'),
    ) as { token: string };
    // Two computers on this one machine (two enrolments, as a second user's would be),
    // both enrolled before the deployment so that both are in its target.
    const agent = async (name: string): Promise<void> => {
      const run = await runCli(
        [
          'agent',
          '--server',
          server.url,
          '--enrollment-token',
          token,
          '--state-dir',
          path.join(work, name),
          '--hostname',
          name,
          '--hardware-id',
          `hw-${name}`,
          '--once',
        ],
        env,
      );
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    };
    await agent('first');
    await agent('second');
    const { id } = JSON.parse(
      await cli('deployment', 'create', '--update', 'RM-2026-0001', '--group', 'pilot'),
    ) as { id: string };
    await agent('first');
    await agent('second');

    const shown = JSON.parse(await cli('deployment', 'computers', id, '--all')) as {
      items: { computerId: string; state: string }[];
    };
    expect(shown.items.map((c) => c.state)).toEqual(['installed', 'installed']);
    // Each ran the install itself: its own marker, none shared by the machine.
    for (const c of shown.items)
      expect(
        existsSync(path.join(work, 'tmp', 'ringmaster-example', c.computerId, 'fix-0001')),
      ).toBe(true);
  }, 120_000);
});
