import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopChild } from '../bench/lib/server-process.js';
import { adminApi, runCli, startServerProcess, type ServerProcess } from './support/processes.js';
import { waitFor } from './support/wait.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..');

type Row = { state: string; reason: string | null; message: string | null };

/**
 * The agent replacing itself, as a computer runs it: the package built by
 * `packaging/build-deb.sh` and unpacked, its launcher (`/usr/bin/ringmaster`, not under
 * systemd: the launcher starts the agent again itself) running the real agent against a
 * real server. A working new version takes over and checks in; one that dies at start and
 * one that cannot reach the server are given up and the previous version comes back,
 * reported `agent-update-failed`; an ordinary update installs after; a rollback goes back.
 */
describe('agent self-update', () => {
  const adminToken = 'rm_admin_e2e-self-update-0123456789';
  const hostname = 'self-update-1';
  let work: string;
  let root: string;
  let state: string;
  let server: ServerProcess;
  let agent: ChildProcess | undefined;
  let agentLog = '';
  let packagedVersion: string;

  const cli = async (...args: string[]): Promise<unknown> => {
    const result = await runCli([...args, '--json'], {
      RINGMASTER_URL: server.url,
      RINGMASTER_TOKEN: adminToken,
    });
    if (result.code !== 0) throw new Error(`ringmaster ${args.join(' ')}:\n${result.stderr}`);
    return JSON.parse(result.stdout) as unknown;
  };
  const rows = async (deployment: string): Promise<Row[]> =>
    ((await cli('deployment', 'computers', deployment)) as { items: Row[] }).items;
  const computer = async (): Promise<{ agentVersion: string } | undefined> => {
    const api = adminApi(server, adminToken);
    const list = await api<{ items: { hostname: string; agentVersion: string }[] }>(
      'GET',
      `/api/v1/computers?q=${hostname}`,
    );
    return list.items.find((c) => c.hostname === hostname);
  };
  const pointer = (name: string): string | null => {
    const file = path.join(state, 'agent', name);
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
  };

  /** An update folder holding an agent bundle as version `version`. */
  const agentUpdate = (id: string, version: string, bundle: string, timeoutSeconds = 120) => {
    const dir = path.join(work, id);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'agent.mjs'), bundle);
    writeFileSync(
      path.join(dir, 'update.json'),
      JSON.stringify({
        id,
        title: `Ringmaster agent ${version}`,
        severity: 'important',
        classification: 'tool',
        platforms: [{ os: 'linux' }],
        files: ['agent.mjs'],
        detect: { type: 'agent-version', version },
        install: { kind: 'agent', file: 'agent.mjs', version, timeoutSeconds },
        uninstall: { kind: 'agent' },
      }),
    );
    return dir;
  };
  const deploy = async (updateId: string): Promise<string> =>
    (
      (await cli('deployment', 'create', '--update', updateId, '--group', 'fleet')) as {
        id: string;
      }
    ).id;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'rm-self-update-'));
    root = path.join(work, 'root');
    state = path.join(work, 'state');
    const built = await run('bash', [
      path.join(repo, 'packaging/build-deb.sh'),
      path.join(work, 'out'),
    ]);
    const deb = built.stdout.trim().split('\n').at(-1) ?? '';
    await run('dpkg-deb', ['-x', deb, root]);
    packagedVersion = (
      JSON.parse(readFileSync(path.join(root, 'usr/lib/ringmaster/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
  }, 120_000);

  afterAll(async () => {
    if (agent) await stopChild(agent, 20_000);
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'takes over with a working version, gives up broken ones, keeps working, and rolls back',
    { timeout: 300_000 },
    async () => {
      await cli('group', 'create', 'fleet');
      const { token } = (await cli('enrollment', 'create', '--group', 'fleet')) as {
        token: string;
      };
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? '',
        RINGMASTER_STATE_DIR: state,
        RINGMASTER_URL: server.url,
        RINGMASTER_ENROLLMENT_TOKEN: token,
      };
      agent = spawn(
        path.join(root, 'usr/bin/ringmaster'),
        ['agent', '--hostname', hostname, '--hardware-id', 'hw-self-update-1'],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      agent.stdout?.on('data', (d: Buffer) => (agentLog += d.toString()));
      agent.stderr?.on('data', (d: Buffer) => (agentLog += d.toString()));
      await waitFor(
        'the packaged agent checks in',
        async () => (await computer()) ?? false,
        60_000,
      );
      expect((await computer())?.agentVersion).toBe(packagedVersion);

      // (1) The same bundle stamped 0.2.0 (its version comes from the package.json kept
      // beside it): the agent restarts into it, which checks in and reports installed.
      const packaged = readFileSync(path.join(root, 'usr/lib/ringmaster/dist/agent.mjs'), 'utf8');
      await cli('update', 'import', agentUpdate('AGENT-0.2.0', '0.2.0', packaged));
      const good = await deploy('AGENT-0.2.0');
      const installed = await waitFor(
        'the new agent checks in and reports installed',
        async () => (await rows(good)).find((r) => r.state === 'installed'),
        120_000,
      );
      expect(installed.message).toBe('the agent runs 0.2.0');
      expect((await computer())?.agentVersion).toBe('0.2.0');
      expect(pointer('current')).toBe('0.2.0');
      expect(pointer('previous')).toBe(''); // the packaged version
      expect(pointer('trial')).toBeNull();
      expect(agentLog).toContain(`restarting into agent 0.2.0 (from ${packagedVersion})`);

      // (2) A bundle that loads (it says its version) but dies when run as the agent: the
      // launcher gives it up after three starts, and 0.2.0 comes back and says why.
      const crashing = [
        "import { readFileSync } from 'node:fs';",
        "const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));",
        "if (process.argv.includes('--version')) console.log(version);",
        "else { console.error('this agent is broken'); process.exit(1); }",
      ].join('\n');
      await cli('update', 'import', agentUpdate('AGENT-0.3.0', '0.3.0', crashing));
      const broken = await deploy('AGENT-0.3.0');
      const crashed = await waitFor(
        'the broken agent is given up',
        async () => (await rows(broken)).find((r) => r.state === 'failed'),
        120_000,
      );
      expect(crashed).toMatchObject({
        reason: 'agent-update-failed',
        message: 'the new agent 0.3.0 stopped 3 times before its first check-in; 0.2.0 restored',
      });
      expect((await computer())?.agentVersion).toBe('0.2.0');
      expect(pointer('current')).toBe('0.2.0');
      expect(agentLog.match(/this agent is broken/g)).toHaveLength(3);

      // (3) The real agent, stamped 0.4.0, that cannot reach the server: at its deadline
      // (30 s) it points back at 0.2.0 and restarts into it, which reports the failure.
      const unreachable = `process.env.RINGMASTER_URL = 'http://127.0.0.1:9';\n${packaged}`;
      await cli('update', 'import', agentUpdate('AGENT-0.4.0', '0.4.0', unreachable, 30));
      const lost = await deploy('AGENT-0.4.0');
      const late = await waitFor(
        'the unreachable agent is given up at its deadline',
        async () => (await rows(lost)).find((r) => r.state === 'failed'),
        150_000,
      );
      expect(late).toMatchObject({
        reason: 'agent-update-failed',
        message: 'the new agent 0.4.0 did not check in within 30s; 0.2.0 restored',
      });
      expect((await computer())?.agentVersion).toBe('0.2.0');

      // The agent keeps working: an ordinary update installs.
      const marker = path.join(work, 'ordinary.done');
      const ordinary = path.join(work, 'ORDINARY');
      mkdirSync(ordinary);
      writeFileSync(path.join(ordinary, 'go.sh'), `touch "${marker}"\n`);
      writeFileSync(
        path.join(ordinary, 'update.json'),
        JSON.stringify({
          id: 'ORDINARY',
          title: 'An ordinary update',
          severity: 'low',
          platforms: [{ os: 'linux' }],
          files: ['go.sh'],
          detect: { type: 'file', path: marker },
          install: { kind: 'script', file: 'go.sh' },
        }),
      );
      await cli('update', 'import', ordinary);
      const plain = await deploy('ORDINARY');
      await waitFor(
        'the ordinary update installs',
        async () => (await rows(plain)).some((r) => r.state === 'installed'),
        120_000,
      );
      expect(existsSync(marker)).toBe(true);

      // A rollback of the first deployment: back to the packaged version.
      await cli('deployment', 'rollback', good, '--reason', 'e2e: back to the packaged agent');
      const uninstalled = await waitFor(
        'the rollback restores the packaged agent',
        async () => (await rows(good)).find((r) => r.state === 'uninstalled'),
        120_000,
      );
      expect(uninstalled.message).toBe(`the agent runs ${packagedVersion}`);
      expect((await computer())?.agentVersion).toBe(packagedVersion);
      expect(pointer('current')).toBeNull();
    },
  );
});
