import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopChild } from '../bench/lib/server-process.js';
import type { PointView } from '../src/contracts/distribution.js';
import {
  adminCli,
  cliEntry,
  freePort,
  runCli,
  startServerProcess,
  type ServerProcess,
} from './support/processes.js';
import { waitFor } from './support/wait.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type PointStats = {
  bytesServed: Record<string, number>;
  bytesFetched: Record<string, number>;
  staged: number;
};

/**
 * Distribution points fed by other points (site to site, then site to local): a branch
 * point fetches from its region's point, not from the server; a bad copy upstream and
 * a parent that is down are passed over, the file coming from the next source.
 */
describe('a distribution point fed by another', () => {
  const adminToken = 'rm_admin_e2e-point-parent-0123456789';
  let work: string;
  let server: ServerProcess;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  const { json: cli } = adminCli(() => env);

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-dp-parent-'));
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
    env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => stopChild(c, 5000)));
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const startPoint = (site: string, token: string, port: number, extra: string[] = []) => {
    const data = path.join(work, `point-${site}`);
    const args = ['distribution-point', 'run', '--server', server.url, '--token', token];
    const child = spawn(
      process.execPath,
      [cliEntry, ...args, '--site', site, '--data', data, '--host', '127.0.0.1'].concat(
        ['--port', String(port), '--poll', '1'],
        extra,
      ),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    children.push(child);
    return { data, url: `http://127.0.0.1:${port}`, log: () => log };
  };
  const stats = async (url: string) => (await (await fetch(`${url}/stats`)).json()) as PointStats;

  it(
    'fetches from the parent point, passes over a dead parent and a bad copy, verifies all',
    { timeout: 180_000 },
    async () => {
      const dir = path.join(work, 'updates', 'E2E-DP-PARENT');
      mkdirSync(dir, { recursive: true });
      const script = Buffer.from('test -s payload.bin\n');
      const payload = randomBytes(1024 * 1024);
      writeFileSync(path.join(dir, 'install.sh'), script);
      writeFileSync(path.join(dir, 'payload.bin'), payload);
      writeFileSync(
        path.join(dir, 'update.json'),
        JSON.stringify({
          id: 'E2E-DP-PARENT',
          title: 'Fed point by point',
          severity: 'important',
          platforms: [{ os: 'linux' }],
          files: ['install.sh', 'payload.bin'],
          detect: { type: 'command', command: 'false' },
          install: { command: 'sh install.sh', timeoutSeconds: 60 },
        }),
      );
      await cli('update', 'import', dir);
      await cli('group', 'create', 'offices');
      const { token } = await cli<{ token: string }>('enrollment', 'create', '--group', 'offices');
      const sites = ['region', 'branch', 'far'];
      for (const site of sites) {
        const run = await runCli(
          ['agent', '--server', server.url, '--enrollment-token', token, '--once'].concat(
            ['--state-dir', path.join(work, `agent-${site}`), '--hostname', `${site}-pc`],
            ['--hardware-id', `hw-${site}`, '--site', site],
          ),
          {},
        );
        expect(run.code, run.stderr).toBe(0);
      }
      const ports = { region: await freePort(), branch: await freePort(), far: await freePort() };
      const registered: Record<string, PointView> = {};
      for (const site of sites) {
        registered[site] = await cli<PointView>(
          'distribution-point',
          'register',
          '--site',
          site,
          `http://127.0.0.1:${ports[site as keyof typeof ports]}`,
        );
      }
      const deployment = await cli<{ id: string }>(
        'deployment',
        'create',
        '--update',
        'E2E-DP-PARENT',
        '--group',
        'offices',
      );

      // The region's point stages from the server.
      const region = startPoint('region', registered.region?.token ?? '', ports.region);
      await waitFor(
        'the region staged',
        async () => (await stats(region.url)).staged === 2,
        60_000,
      );
      expect((await stats(region.url)).bytesFetched).toEqual({
        server: script.length + payload.length,
      });

      // The branch's point: everything from the region, nothing from the server.
      const branch = startPoint('branch', registered.branch?.token ?? '', ports.branch, [
        '--parent',
        region.url,
      ]);
      await waitFor(
        'the branch staged',
        async () => (await stats(branch.url)).staged === 2,
        60_000,
      );
      expect((await stats(branch.url)).bytesFetched).toEqual({
        [region.url]: script.length + payload.length,
      });
      expect((await stats(region.url)).bytesServed[sha(payload)]).toBe(payload.length);

      // The region's copy of install.sh goes bad on disk; a far point lists a dead parent
      // first: it passes over both, takes the payload from the region, the script from the server.
      const bad = Buffer.from(
        'echo not the script\n'.padEnd(script.length, '#').slice(0, script.length),
      );
      writeFileSync(path.join(region.data, 'sha256', sha(script).slice(0, 2), sha(script)), bad);
      const dead = `http://127.0.0.1:${await freePort()}`;
      const far = startPoint('far', registered.far?.token ?? '', ports.far, [
        '--parent',
        dead,
        '--parent',
        region.url,
      ]);
      await waitFor(
        'the far point staged',
        async () => (await stats(far.url)).staged === 2,
        60_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${far.log()}`);
      });
      const fetched = (await stats(far.url)).bytesFetched;
      expect(fetched[region.url]).toBe(payload.length + script.length);
      expect(fetched.server).toBe(script.length);
      // The point's log comes through a pipe: it may arrive after its /stats answer.
      await waitFor(
        'the far point telling what it passed over',
        () =>
          far.log().includes(`${dead}:`) && far.log().includes(`its copy hashed to ${sha(bad)}`),
        20_000,
      );

      // Every site is staged and verified: the phase opens.
      await waitFor(
        'the phase opened',
        async () =>
          (
            await cli<{ phases: { openedAt: string | null }[] }>(
              'deployment',
              'show',
              deployment.id,
            )
          ).phases[0]?.openedAt != null,
        60_000,
      );
    },
  );
});
