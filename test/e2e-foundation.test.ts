import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServerProcess, type ServerProcess } from './support/processes.js';

/**
 * The whole product as a user runs it: a real server process on loopback, the CLI,
 * and a real agent process that really runs the install commands.
 */
describe('an update deployed end to end', () => {
  const adminToken = 'rm_admin_e2e-0123456789abcdef';
  let work: string;
  let server: ServerProcess;
  let env: NodeJS.ProcessEnv;

  const cli = async (...args: string[]) => {
    const result = await runCli([...args, '--json'], env);
    if (result.code !== 0)
      throw new Error(`ringmaster ${args.join(' ')} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout) as unknown;
  };

  /** Writes an update folder whose install script counts its runs. */
  function updateDir(id: string, manifest: Record<string, unknown>, script: string): string {
    const dir = path.join(work, 'updates', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'install.sh'), script);
    writeFileSync(
      path.join(dir, 'update.json'),
      JSON.stringify({
        id,
        title: `Test update ${id}`,
        severity: 'critical',
        classification: 'security',
        platforms: [{ os: 'linux' }],
        files: ['install.sh'],
        install: { command: 'sh install.sh', timeoutSeconds: 60 },
        ...manifest,
      }),
    );
    return dir;
  }

  const marker = (id: string) => path.join(work, 'host', `${id}.installed`);
  const runLog = (id: string) => path.join(work, 'host', `${id}.runs`);
  const countingScript = (id: string, exitCode = 0) =>
    `echo run >> "${runLog(id)}"\n` +
    (exitCode === 0
      ? `touch "${marker(id)}"\necho "installed $RINGMASTER_UPDATE_ID on $RINGMASTER_COMPUTER_ID"\n`
      : '') +
    `exit ${exitCode}\n`;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-'));
    mkdirSync(path.join(work, 'host'));
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
    env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
  });

  afterAll(async () => {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('installs for real, once, and explains every failure', { timeout: 180_000 }, async () => {
    const good = updateDir(
      'E2E-GOOD',
      { detect: { type: 'file', path: marker('E2E-GOOD') } },
      countingScript('E2E-GOOD'),
    );
    const failing = updateDir(
      'E2E-EXIT1',
      { detect: { type: 'file', path: marker('E2E-EXIT1') } },
      countingScript('E2E-EXIT1', 1),
    );
    const greedy = updateDir(
      'E2E-DISK',
      { detect: { type: 'file', path: marker('E2E-DISK') }, requires: { freeDiskMB: 1e12 } },
      countingScript('E2E-DISK'),
    );
    const tampered = updateDir(
      'E2E-TAMPER',
      { detect: { type: 'file', path: marker('E2E-TAMPER') } },
      countingScript('E2E-TAMPER'),
    );
    for (const dir of [good, failing, greedy, tampered]) await cli('update', 'import', dir);

    // Alter the server's stored copy of the tampered update's script.
    const stored = (await cli('update', 'show', 'E2E-TAMPER')) as { files: { sha256: string }[] };
    const sha = stored.files[0]?.sha256 ?? '';
    const storedPath = path.join(work, 'server', 'content', 'sha256', sha.slice(0, 2), sha);
    expect(statSync(storedPath).isFile()).toBe(true);
    writeFileSync(storedPath, `touch "${marker('E2E-TAMPER')}"\necho evil\n`);

    await cli('group', 'create', 'pilot');
    const enrollment = (await cli('enrollment', 'create', '--group', 'pilot', '--uses', '1')) as {
      token: string;
    };
    const deployments: Record<string, string> = {};
    for (const id of ['E2E-GOOD', 'E2E-EXIT1', 'E2E-DISK', 'E2E-TAMPER']) {
      deployments[id] = (
        (await cli('deployment', 'create', '--update', id, '--group', 'pilot')) as { id: string }
      ).id;
    }

    const stateDir = path.join(work, 'agent-state');
    const agentArgs = [
      'agent',
      '--server',
      server.url,
      '--enrollment-token',
      enrollment.token,
      '--state-dir',
      stateDir,
      '--site',
      'tokyo',
      '--once',
    ];
    for (let cycle = 1; cycle <= 2; cycle += 1) {
      const run = await runCli(agentArgs, {});
      expect(run.code, `agent cycle ${cycle}:\n${run.stdout}\n${run.stderr}`).toBe(0);
    }
    // The credential is the computer's own, readable by its owner only.
    const credentialFiles = ['credential.json', 'credential']
      .map((f) => path.join(stateDir, f))
      .filter(existsSync);
    expect(credentialFiles.length).toBe(1);
    expect(statSync(credentialFiles[0] as string).mode & 0o077).toBe(0);

    // The good update's install ran exactly once over two cycles.
    expect(readFileSync(runLog('E2E-GOOD'), 'utf8')).toBe('run\n');
    expect(existsSync(marker('E2E-GOOD'))).toBe(true);
    // The tampered payload was never run; the greedy one never started.
    expect(existsSync(runLog('E2E-TAMPER'))).toBe(false);
    expect(existsSync(marker('E2E-TAMPER'))).toBe(false);
    expect(existsSync(runLog('E2E-DISK'))).toBe(false);

    type Shown = {
      counts: Record<string, number>;
      computers: {
        state: string;
        reason: string | null;
        exitCode: number | null;
        output: string | null;
      }[];
    };
    const show = async (id: string): Promise<Shown> => {
      const deployment = deployments[id] ?? '';
      const shown = (await cli('deployment', 'show', deployment)) as Omit<Shown, 'computers'>;
      const page = (await cli('deployment', 'computers', deployment)) as {
        items: Shown['computers'];
      };
      return { ...shown, computers: page.items };
    };

    const goodView = await show('E2E-GOOD');
    expect(goodView.counts.installed).toBe(1);
    expect(goodView.computers[0]).toMatchObject({ state: 'installed', exitCode: 0 });
    expect(goodView.computers[0]?.output).toContain('installed E2E-GOOD on cmp_');

    expect((await show('E2E-EXIT1')).computers[0]).toMatchObject({
      state: 'failed',
      reason: 'install-error',
      exitCode: 1,
    });
    expect((await show('E2E-DISK')).computers[0]).toMatchObject({
      state: 'failed',
      reason: 'disk-space',
    });
    expect((await show('E2E-TAMPER')).computers[0]).toMatchObject({
      state: 'failed',
      reason: 'hash-mismatch',
    });

    // The failing install is not retried before its recurrence interval.
    expect(readFileSync(runLog('E2E-EXIT1'), 'utf8')).toBe('run\n');

    const computers = (
      (await cli('computer', 'list')) as {
        items: { hostname: string; site: string; groups: string[] }[];
      }
    ).items;
    expect(computers).toHaveLength(1);
    expect(computers[0]).toMatchObject({ site: 'tokyo', groups: ['pilot'] });
  });
});
