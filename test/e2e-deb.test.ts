import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServerProcess, type ServerProcess } from './support/processes.js';

/** What dpkg says of a package: its status and version, or null when it knows none. */
function dpkgStatus(name: string): { status: string; version: string } | null {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\t${Version}', '--', name], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return null;
  const [status = '', version = ''] = r.stdout.split('\t');
  return { status, version };
}

/**
 * A real .deb built with dpkg-deb, imported as an update, installed by a real agent
 * with dpkg, seen by the package detect rule, removed by a rollback, and found already
 * installed (nothing run) when it is there before the install. Needs root and dpkg.
 */
describe('a .deb as an update, with the system package tools', () => {
  const adminToken = 'rm_admin_e2e-deb-0123456789abcdef';
  const suffix = randomBytes(4).toString('hex');
  const pkg = `ringmaster-e2e-hello-${suffix}`;
  const payload = `/opt/${pkg}/hello.txt`;
  let work: string;
  let server: ServerProcess;
  let env: NodeJS.ProcessEnv;
  let debFile: string;

  const cli = async (...args: string[]): Promise<unknown> => {
    const result = await runCli([...args, '--json'], env);
    if (result.code !== 0)
      throw new Error(`ringmaster ${args.join(' ')} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout) as unknown;
  };

  type Row = {
    state: string;
    reason: string | null;
    exitCode: number | null;
    message: string | null;
    output: string | null;
  };
  const rows = async (deployment: string): Promise<Row[]> =>
    ((await cli('deployment', 'computers', deployment)) as { items: Row[] }).items;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-deb-'));
    // The package: one file under /opt, and a postinst that counts its runs.
    const root = path.join(work, 'pkgroot');
    mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(path.join(root, 'opt', pkg), { recursive: true });
    writeFileSync(path.join(root, 'opt', pkg, 'hello.txt'), 'hello from a real package\n');
    writeFileSync(
      path.join(root, 'DEBIAN', 'control'),
      [
        `Package: ${pkg}`,
        'Version: 1.2.3-1',
        'Architecture: all',
        'Maintainer: Ringmaster tests <tests@example.invalid>',
        'Description: a throwaway package of the Ringmaster end-to-end tests',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(root, 'DEBIAN', 'postinst'),
      `#!/bin/sh\necho configured >> "${path.join(work, 'postinst.runs')}"\n`,
      { mode: 0o755 },
    );
    const updateDir = path.join(work, 'update');
    mkdirSync(updateDir);
    debFile = path.join(updateDir, 'hello.deb');
    execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, debFile], { stdio: 'pipe' });
    writeFileSync(
      path.join(updateDir, 'update.json'),
      JSON.stringify({
        id: 'E2E-DEB',
        title: `The ${pkg} package`,
        severity: 'important',
        platforms: [{ os: 'linux' }],
        files: ['hello.deb'],
        detect: { type: 'package', name: pkg, version: '>= 1.2.3-1' },
        install: { kind: 'deb', file: 'hello.deb', timeoutSeconds: 120 },
        uninstall: { kind: 'deb', package: pkg, purge: true, timeoutSeconds: 120 },
      }),
    );
    // A script that says "restart needed" the POSIX way.
    const rebootDir = path.join(work, 'reboot');
    mkdirSync(rebootDir);
    writeFileSync(
      path.join(rebootDir, 'go.sh'),
      `touch "${path.join(work, 'reboot.ran')}"\nexit 194\n`,
    );
    writeFileSync(
      path.join(rebootDir, 'update.json'),
      JSON.stringify({
        id: 'E2E-REBOOT',
        title: 'Needs a restart',
        severity: 'low',
        platforms: [{ os: 'linux' }],
        files: ['go.sh'],
        detect: { type: 'file', path: path.join(work, 'reboot.ran') },
        install: { kind: 'script', file: 'go.sh', timeoutSeconds: 60 },
      }),
    );
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
    env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
  });

  afterAll(async () => {
    // Never leave the package on the machine, whatever happened.
    spawnSync('dpkg', ['--purge', pkg], { stdio: 'ignore' });
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'installs with dpkg, detects the package and version, rolls back, and runs nothing when it is there',
    { timeout: 240_000 },
    async () => {
      expect(dpkgStatus(pkg)).toBeNull();
      await cli('update', 'import', path.join(work, 'update'));
      await cli('update', 'import', path.join(work, 'reboot'));
      await cli('group', 'create', 'debs');
      const { token } = (await cli('enrollment', 'create', '--group', 'debs')) as { token: string };
      const agent = async (): Promise<void> => {
        const run = await runCli(
          [
            'agent',
            '--server',
            server.url,
            '--enrollment-token',
            token,
            '--state-dir',
            path.join(work, 'agent'),
            '--once',
          ],
          {},
        );
        expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      };

      const first = (await cli(
        'deployment',
        'create',
        '--update',
        'E2E-DEB',
        '--update',
        'E2E-REBOOT',
        '--group',
        'debs',
      )) as {
        id: string;
      };
      await agent();

      // dpkg installed it: the file, the version, the maintainer script once.
      expect(dpkgStatus(pkg)).toEqual({ status: 'installed', version: '1.2.3-1' });
      expect(readFileSync(payload, 'utf8')).toBe('hello from a real package\n');
      expect(readFileSync(path.join(work, 'postinst.runs'), 'utf8')).toBe('configured\n');
      const installed = await rows(first.id);
      expect(installed).toContainEqual(
        expect.objectContaining({ state: 'installed', exitCode: 0 }),
      );
      expect(installed.find((r) => r.state === 'installed')?.output).toContain(pkg);
      // The script's 194 (3010 in 8 bits) is "restart needed" on Linux.
      expect(installed).toContainEqual(
        expect.objectContaining({ state: 'pending-reboot', exitCode: 194 }),
      );

      // The next check-in carries the changed package list: a query group finds the computer.
      await agent();
      await cli('group', 'create', 'has-hello', '--query', `package "${pkg}" >= "1.2.3-1"`);
      await cli('group', 'create', 'old-hello', '--query', `package "${pkg}" < "1.2.3~rc1"`);
      const shown = (name: string) =>
        cli('group', 'show', name) as Promise<{ members: { hostname: string }[] }>;
      expect((await shown('has-hello')).members).toHaveLength(1);
      expect((await shown('old-hello')).members).toHaveLength(0);

      // A rollback removes it with dpkg.
      await cli('deployment', 'rollback', first.id, '--reason', 'e2e: take the package off');
      await agent();
      expect(dpkgStatus(pkg)?.status ?? 'not-installed').not.toBe('installed');
      expect(existsSync(payload)).toBe(false);
      expect((await rows(first.id)).map((r) => r.state)).toContain('uninstalled');

      // Installed again by hand: a new deployment finds it and runs nothing.
      execFileSync('dpkg', ['--install', debFile], { stdio: 'pipe' });
      expect(readFileSync(path.join(work, 'postinst.runs'), 'utf8')).toBe(
        'configured\nconfigured\n',
      );
      const again = (await cli(
        'deployment',
        'create',
        '--update',
        'E2E-DEB',
        '--group',
        'debs',
      )) as { id: string };
      await agent();
      const found = (await rows(again.id))[0];
      expect(found).toMatchObject({
        state: 'installed',
        message: 'already installed',
        exitCode: null,
      });
      // dpkg was not run: the maintainer script ran no third time.
      expect(readFileSync(path.join(work, 'postinst.runs'), 'utf8')).toBe(
        'configured\nconfigured\n',
      );
    },
  );
});
