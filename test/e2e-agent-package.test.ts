import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServerProcess, type ServerProcess } from './support/processes.js';

const repo = path.resolve(import.meta.dirname, '..');

/**
 * The agent's .deb (packaging/deb/build.sh, `npm run package`) installed with dpkg into
 * a throwaway root made here (never this machine's own), its unit verified by
 * systemd-analyze, and the installed agent enrolling and checking in.
 */
describe('the agent as a .deb', () => {
  const adminToken = 'rm_admin_e2e-package-0123456789abcdef';
  let work: string;
  let server: ServerProcess;
  let deb: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-package-'));
    deb = execFileSync('sh', [path.join(repo, 'packaging/deb/build.sh'), path.join(work, 'out')], {
      encoding: 'utf8',
    }).trim();
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'installs into a root, with a valid unit, and the installed agent checks in',
    { timeout: 180_000 },
    async () => {
      const root = path.join(work, 'root');
      for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates']) {
        mkdirSync(path.join(root, d), { recursive: true });
      }
      for (const f of ['status', 'available'])
        writeFileSync(path.join(root, 'var/lib/dpkg', f), '');
      // nodejs may come from elsewhere than dpkg here: the empty root's database has no package.
      execFileSync(
        'dpkg',
        ['--root', root, '--force-script-chrootless', '--force-depends', '--install', deb],
        { stdio: 'pipe' },
      );
      const listed = execFileSync('dpkg', ['--root', root, '--listfiles', 'ringmaster-agent'], {
        encoding: 'utf8',
      });
      for (const f of [
        '/usr/bin/ringmaster',
        '/lib/systemd/system/ringmaster-agent.service',
        '/etc/ringmaster/agent.conf',
        '/var/lib/ringmaster',
        '/usr/lib/ringmaster/dist/cli/main.js',
      ]) {
        expect(listed).toContain(f);
      }
      expect(statSync(path.join(root, 'var/lib/ringmaster')).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(root, 'etc/ringmaster/agent.conf')).mode & 0o777).toBe(0o600);
      expect(
        execFileSync(
          'dpkg-query',
          ['--root', root, '-W', '-f', '${Conffiles}', 'ringmaster-agent'],
          { encoding: 'utf8' },
        ),
      ).toContain('/etc/ringmaster/agent.conf');

      // The unit as installed, its paths pointed into the root (verify checks the binary is there).
      const unit = readFileSync(
        path.join(root, 'lib/systemd/system/ringmaster-agent.service'),
        'utf8',
      );
      expect(unit).toContain('ExecStart=/usr/bin/ringmaster agent --state-dir /var/lib/ringmaster');
      expect(unit).toContain('EnvironmentFile=/etc/ringmaster/agent.conf');
      const verifyDir = path.join(work, 'verify');
      mkdirSync(verifyDir);
      writeFileSync(
        path.join(verifyDir, 'ringmaster-agent.service'),
        unit
          .replaceAll('/usr/bin/ringmaster', path.join(root, 'usr/bin/ringmaster'))
          .replaceAll('/etc/ringmaster', path.join(root, 'etc/ringmaster')),
      );
      const verified = execFileSync(
        'sh',
        [
          '-c',
          `systemd-analyze verify "${path.join(verifyDir, 'ringmaster-agent.service')}" 2>&1; echo "exit=$?"`,
        ],
        { encoding: 'utf8' },
      );
      expect(verified.trim()).toBe('exit=0');

      // The installed agent, with the settings agent.conf gives it, enrolls and checks in.
      const env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
      const cli = async (...args: string[]): Promise<unknown> => {
        const r = await runCli([...args, '--json'], env);
        if (r.code !== 0) throw new Error(r.stderr);
        return JSON.parse(r.stdout) as unknown;
      };
      const { token } = (await cli('enrollment', 'create')) as { token: string };
      writeFileSync(
        path.join(root, 'etc/ringmaster/agent.conf'),
        `RINGMASTER_URL=${server.url}\nRINGMASTER_ENROLLMENT_TOKEN=${token}\nRINGMASTER_SITE=lab\n`,
      );
      const conf = Object.fromEntries(
        readFileSync(path.join(root, 'etc/ringmaster/agent.conf'), 'utf8')
          .split('\n')
          .filter((l) => /^[A-Z_]+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      const state = path.join(root, 'var/lib/ringmaster');
      execFileSync(
        'node',
        [
          path.join(root, 'usr/lib/ringmaster/dist/cli/main.js'),
          'agent',
          '--state-dir',
          state,
          '--once',
        ],
        { env: { PATH: process.env.PATH, ...conf }, stdio: 'pipe', timeout: 120_000 },
      );
      const computers = (await cli('computer', 'list')) as {
        items: { site: string | null; lastSeenAt: string | null }[];
      };
      expect(computers.items).toHaveLength(1);
      expect(computers.items[0]?.site).toBe('lab');
      expect(Number.isNaN(Date.parse(computers.items[0]?.lastSeenAt ?? ''))).toBe(false);
      expect(statSync(path.join(state, 'credential.json')).mode & 0o077).toBe(0);
    },
  );
});
