import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, startServerProcess, type ServerProcess } from './support/processes.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..');

/** KEY=value lines as systemd's EnvironmentFile reads them (comments and blanks skipped). */
function environmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) env[m[1]] = m[2];
  }
  return env;
}

/**
 * The agent's .deb as a computer gets it: built by `packaging/build-deb.sh` from the
 * built tree, installed with dpkg into a throwaway root (its maintainer scripts run with
 * DPKG_ROOT), its unit checked by systemd-analyze, and the installed agent, started
 * with the settings of its config file, enrolls and checks in with a real server.
 */
describe('the agent package', () => {
  const adminToken = 'rm_admin_e2e-package-0123456789';
  let work: string;
  let root: string;
  let deb: string;
  let server: ServerProcess;
  const dpkg = (...args: string[]) =>
    run('dpkg', [
      `--root=${root}`,
      '--force-script-chrootless',
      '--force-depends',
      '--log=/dev/null',
      ...args,
    ]);

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'rm-package-'));
    root = path.join(work, 'root');
    for (const dir of ['info', 'updates', 'triggers']) {
      mkdirSync(path.join(root, 'var/lib/dpkg', dir), { recursive: true });
    }
    writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
    const built = await run('bash', [
      path.join(repo, 'packaging/build-deb.sh'),
      path.join(work, 'out'),
    ]);
    deb = built.stdout.trim().split('\n').at(-1) ?? '';
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('is an architecture-independent package that needs Node.js 20.19', async () => {
    expect(path.basename(deb)).toMatch(/^ringmaster-agent_\d+\.\d+\.\d+_all\.deb$/);
    const info = (await run('dpkg-deb', ['--field', deb, 'Package', 'Architecture', 'Depends']))
      .stdout;
    expect(info).toContain('Package: ringmaster-agent');
    expect(info).toContain('Architecture: all');
    expect(info).toContain('Depends: nodejs (>= 20.19)');
    const contents = (await run('dpkg-deb', ['--contents', deb])).stdout;
    expect(contents).toMatch(/-rw------- root\/root .* \.\/etc\/ringmaster\/agent\.conf/);
    expect(contents).toMatch(/-rwxr-xr-x root\/root .* \.\/usr\/bin\/ringmaster/);
    expect(contents).toContain('./lib/systemd/system/ringmaster-agent.service');
    // One bundled file: the server and its database drivers stay off the computer.
    expect(contents).not.toMatch(/node_modules|better-sqlite3/);
  });

  it(
    'installs with dpkg, its unit verifies, and the installed agent enrolls and checks in',
    { timeout: 120_000 },
    async () => {
      await dpkg('-i', deb);
      const state = path.join(root, 'var/lib/ringmaster');
      expect(statSync(state).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(root, 'etc/ringmaster/agent.conf')).mode & 0o777).toBe(0o600);
      expect((await run('dpkg', [`--root=${root}`, '-s', 'ringmaster-agent'])).stdout).toContain(
        'Status: install ok installed',
      );

      // The unit as installed, with only its paths moved into the throwaway root.
      const unit = readFileSync(
        path.join(root, 'lib/systemd/system/ringmaster-agent.service'),
        'utf8',
      );
      expect(unit).toContain('ExecStart=/usr/bin/ringmaster agent');
      expect(unit).toContain('EnvironmentFile=/etc/ringmaster/agent.conf');
      if (existsSync('/usr/bin/systemd-analyze')) {
        const unitDir = path.join(work, 'unit');
        mkdirSync(unitDir);
        writeFileSync(
          path.join(unitDir, 'ringmaster-agent.service'),
          unit
            .replaceAll('/usr/bin/ringmaster', path.join(root, 'usr/bin/ringmaster'))
            .replaceAll('/etc/ringmaster', path.join(root, 'etc/ringmaster')),
        );
        const verified = await run('systemd-analyze', [
          'verify',
          path.join(unitDir, 'ringmaster-agent.service'),
        ]);
        expect(verified.stderr).not.toContain('ringmaster-agent.service');
      }

      // Configured as an admin would: the server and a token in the config file.
      const api = adminApi(server, adminToken);
      const { token } = await api<{ token: string }>('POST', '/api/v1/enrollments', {});
      const conf = path.join(root, 'etc/ringmaster/agent.conf');
      const edited = readFileSync(conf, 'utf8')
        .replace(/^RINGMASTER_URL=$/m, `RINGMASTER_URL=${server.url}`)
        .replace(/^RINGMASTER_ENROLLMENT_TOKEN=$/m, `RINGMASTER_ENROLLMENT_TOKEN=${token}`)
        .replace(/^#RINGMASTER_SITE=.*$/m, 'RINGMASTER_SITE=packaged');
      writeFileSync(conf, edited);
      const env = {
        PATH: process.env.PATH ?? '',
        // What the unit sets, then its EnvironmentFile.
        RINGMASTER_STATE_DIR: state,
        ...environmentFile(edited),
      };
      const agent = path.join(root, 'usr/bin/ringmaster');
      await run(
        agent,
        ['agent', '--once', '--hostname', 'packaged-1', '--hardware-id', 'hw-packaged-1'],
        {
          env,
        },
      );

      const computers = await api<{
        items: { hostname: string; site: string | null; lastSeenAt: string | null }[];
      }>('GET', '/api/v1/computers?q=packaged-1');
      expect(computers.items).toHaveLength(1);
      expect(computers.items[0]).toMatchObject({ hostname: 'packaged-1', site: 'packaged' });
      expect(computers.items[0]?.lastSeenAt).not.toBeNull();

      // The person at the computer: status, with the state dir the wrapper defaults to.
      const status = JSON.parse(
        (
          await run(agent, ['agent', 'status', '--json'], {
            env: { PATH: env.PATH, RINGMASTER_STATE_DIR: state },
          })
        ).stdout,
      ) as { enrolled: boolean; computerId: string | null; lastCycleAt: string | null };
      expect(status.enrolled).toBe(true);
      expect(status.computerId).toMatch(/^cmp_/);
      expect(status.lastCycleAt).not.toBeNull();
    },
  );

  it('removes its files, keeps the edited config until purged, then forgets the credential', async () => {
    await dpkg('-r', 'ringmaster-agent');
    expect(existsSync(path.join(root, 'usr/bin/ringmaster'))).toBe(false);
    expect(existsSync(path.join(root, 'etc/ringmaster/agent.conf'))).toBe(true);
    expect(existsSync(path.join(root, 'var/lib/ringmaster'))).toBe(true);
    await dpkg('-P', 'ringmaster-agent');
    expect(existsSync(path.join(root, 'etc/ringmaster/agent.conf'))).toBe(false);
    expect(existsSync(path.join(root, 'var/lib/ringmaster'))).toBe(false);
  });
});

/**
 * The agent's .rpm, wrapped around the same files as its .deb: built by
 * `packaging/build-rpm.sh`, installed with rpm into a throwaway root (its scriptlets,
 * which only talk to systemd, are not run there), and the installed agent enrolls.
 */
describe('the agent rpm', () => {
  const adminToken = 'rm_admin_e2e-rpm-0123456789ab';
  let work: string;
  let root: string;
  let rpmFile: string;
  let server: ServerProcess;
  const rpm = (...args: string[]) => run('rpm', [`--root=${root}`, ...args]);

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'rm-rpm-'));
    root = path.join(work, 'root');
    mkdirSync(root);
    const built = await run('bash', [
      path.join(repo, 'packaging/build-rpm.sh'),
      path.join(work, 'out'),
    ]);
    rpmFile = built.stdout.trim().split('\n').at(-1) ?? '';
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('is a noarch package needing Node.js 20.19, with the files and modes of the .deb', async () => {
    expect(path.basename(rpmFile)).toMatch(/^ringmaster-agent-\d+\.\d+\.\d+-1\.noarch\.rpm$/);
    const q = (format: string) => run('rpm', ['-qp', '--qf', format, rpmFile]);
    expect((await q('%{NAME} %{ARCH}')).stdout).toBe('ringmaster-agent noarch');
    expect((await run('rpm', ['-qp', '--requires', rpmFile])).stdout).toContain('nodejs >= 20.19');
    const files = (await run('rpm', ['-qplv', rpmFile])).stdout;
    expect(files).toMatch(/-rw------- .*root\s+root .* \/etc\/ringmaster\/agent\.conf/);
    expect(files).toMatch(/-rwxr-xr-x .*root\s+root .* \/usr\/bin\/ringmaster/);
    expect(files).toMatch(/drwx------ .*root\s+root .* \/var\/lib\/ringmaster/);
    expect(files).toContain('/lib/systemd/system/ringmaster-agent.service');
    expect(files).not.toMatch(/node_modules|better-sqlite3/);
    const config = (await run('rpm', ['-qpc', rpmFile])).stdout;
    expect(config.trim()).toBe('/etc/ringmaster/agent.conf');
  });

  it(
    'installs with rpm, and the installed agent enrolls; removing it keeps an edited config',
    { timeout: 120_000 },
    async () => {
      await rpm('-i', '--nodeps', '--noscripts', rpmFile);
      expect((await rpm('-q', 'ringmaster-agent')).stdout).toMatch(/^ringmaster-agent-/);
      const state = path.join(root, 'var/lib/ringmaster');
      expect(statSync(state).mode & 0o777).toBe(0o700);
      const api = adminApi(server, adminToken);
      const { token } = await api<{ token: string }>('POST', '/api/v1/enrollments', {});
      const conf = path.join(root, 'etc/ringmaster/agent.conf');
      const edited = readFileSync(conf, 'utf8')
        .replace(/^RINGMASTER_URL=$/m, `RINGMASTER_URL=${server.url}`)
        .replace(/^RINGMASTER_ENROLLMENT_TOKEN=$/m, `RINGMASTER_ENROLLMENT_TOKEN=${token}`);
      writeFileSync(conf, edited);
      await run(
        path.join(root, 'usr/bin/ringmaster'),
        ['agent', '--once', '--hostname', 'rpm-1', '--hardware-id', 'hw-rpm-1'],
        {
          env: {
            PATH: process.env.PATH ?? '',
            RINGMASTER_STATE_DIR: state,
            ...environmentFile(edited),
          },
        },
      );
      const computers = await api<{ items: { hostname: string; lastSeenAt: string | null }[] }>(
        'GET',
        '/api/v1/computers?q=rpm-1',
      );
      expect(computers.items.map((c) => c.hostname)).toEqual(['rpm-1']);

      await rpm('-e', '--nodeps', '--noscripts', 'ringmaster-agent');
      expect(existsSync(path.join(root, 'usr/bin/ringmaster'))).toBe(false);
      // An edited config file is kept aside, as rpm does for %config(noreplace).
      expect(readFileSync(`${conf}.rpmsave`, 'utf8')).toContain(server.url);
    },
  );
});
