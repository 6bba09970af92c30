import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../contracts/agent-protocol.js';
import { close, listen, sendJson, textServer } from '../../cli/cli.test-support.js';
import { updateManifest } from '../../contracts/manifest.js';
import { AgentCore } from '../core/agent-core.js';
import { runInstallCommand as installer } from '../installers/command-installer.js';
import { HttpServerClient } from '../http-client.js';
import { readPendingView, writeRequest } from './local-user-files.js';
import { RealHost } from './real-host.js';

const SCRIPT = Buffer.from('echo "installing $RINGMASTER_UPDATE_ID"\ncp payload.txt "$TARGET"\n');
const PAYLOAD = Buffer.from('hello\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('RealHost with the HTTP client', () => {
  let server: Server;
  let url: string;
  let state: string;
  let target: string;
  let applied: StatusReport[];
  let content: Map<string, Buffer>;
  let policy: { policy: string; installAt: string | null };

  beforeAll(async () => {
    server = textServer((req, res, text) => {
      const path = req.url ?? '';
      if (path === '/agent/v1/enroll')
        return sendJson(res, { computerId: 'c-9', credential: 'cred' });
      if (path.endsWith('/checkin')) {
        const manifest = updateManifest.parse({
          id: 'hello-1',
          title: 'Hello',
          severity: 'low',
          platforms: [{ os: 'linux' }, { os: 'darwin' }, { os: 'freebsd' }],
          files: ['bin/setup.sh', 'payload.txt'],
          detect: { type: 'file', path: target, sha256: sha(PAYLOAD) },
          install: { command: 'sh bin/setup.sh', timeoutSeconds: 30 },
        });
        return sendJson(res, {
          computerId: 'c-9',
          nextCheckinSeconds: 120,
          ackedSeq: applied.at(-1)?.seq ?? 0,
          assignments: [
            {
              deploymentId: 'd-1',
              updateId: 'hello-1',
              action: 'install',
              manifest,
              ...policy,
              files: [
                { path: 'bin/setup.sh', sha256: sha(SCRIPT), size: SCRIPT.length },
                { path: 'payload.txt', sha256: sha(PAYLOAD), size: PAYLOAD.length },
              ],
            },
          ],
        });
      }
      if (path.endsWith('/reports')) {
        const { reports } = JSON.parse(text) as { reports: StatusReport[] };
        for (const r of reports) if (r.seq > (applied.at(-1)?.seq ?? 0)) applied.push(r);
        return sendJson(res, { ackedSeq: applied.at(-1)?.seq ?? 0 });
      }
      const data = content.get(path.split('/').at(-1) ?? '');
      if (!data) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(data);
    });
    url = await listen(server);
  });
  afterAll(async () => {
    await close(server);
  });
  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), 'rm-agent-'));
    target = join(state, 'installed.txt');
    applied = [];
    policy = { policy: 'scheduled', installAt: null };
    content = new Map([
      [sha(SCRIPT), SCRIPT],
      [sha(PAYLOAD), PAYLOAD],
    ]);
  });
  afterEach(async () => {
    delete process.env.TARGET;
    await rm(state, { recursive: true, force: true });
  });

  async function cycle(): Promise<Awaited<ReturnType<AgentCore['runCycle']>>> {
    const client = new HttpServerClient({ serverUrl: url });
    const host = new RealHost({ stateDir: state, hostname: 'test-pc', hardwareId: 'hw-test' });
    try {
      const core = new AgentCore({
        host,
        installer,
        client,
        enrollmentToken: 't',
        now: () => new Date(),
      });
      return await core.runCycle();
    } finally {
      await client.close();
    }
  }

  it('enrolls, installs from verified files and reports; the credential is private', async () => {
    process.env.TARGET = target;
    const result = await cycle();
    expect(result).toMatchObject({ outcome: 'ok', computerId: 'c-9', nextCheckinSeconds: 120 });
    expect(applied.map((r) => r.state)).toEqual(['downloading', 'installing', 'installed']);
    expect(applied.at(-1)?.output).toContain('installing hello-1');
    expect(await readFile(target, 'utf8')).toBe('hello\n');
    expect((await stat(join(state, 'credential.json'))).mode & 0o777).toBe(0o600);
    // Work dir removed, content pruned once installed.
    expect(await readdir(join(state, 'work'))).toEqual([]);
    expect(await readdir(join(state, 'content'))).toEqual([]);

    await cycle();
    expect(applied.slice(3).map((r) => r.state)).toEqual(['installed']);
  });

  it('never runs a script whose hash does not match', async () => {
    process.env.TARGET = target;
    content.set(sha(SCRIPT), Buffer.from('touch "$TARGET"\n'));
    await cycle();
    expect(applied.map((r) => [r.state, r.reason])).toEqual([
      ['downloading', null],
      ['failed', 'hash-mismatch'],
    ]);
    expect(applied[1]?.message).toContain('bin/setup.sh');
    await expect(stat(target)).rejects.toThrow();
    expect(await readdir(join(state, 'content'))).toEqual([]);
  });

  it('auto-download: downloads, waits for the approval file, then installs', async () => {
    process.env.TARGET = target;
    policy = { policy: 'auto-download', installAt: null };
    await cycle();
    expect(applied.map((r) => r.state)).toEqual(['downloading', 'awaiting-user']);
    // The files stay for the install; pending.json tells the person what waits.
    expect((await readdir(join(state, 'content'))).sort()).toEqual(
      [sha(SCRIPT), sha(PAYLOAD)].sort(),
    );
    const view = await readPendingView(state);
    expect(view?.updates).toMatchObject([
      { updateId: 'hello-1', waitingFor: 'install-approval', approved: false },
    ]);

    await cycle();
    expect(applied).toHaveLength(2); // told once, not every cycle

    await writeRequest(state, 'approve-hello-1.json', {
      kind: 'approve',
      updateId: 'hello-1',
      stage: 'install',
      requestedAt: new Date().toISOString(),
      by: 'tester',
    });
    await cycle();
    expect(applied.slice(2).map((r) => [r.state, r.message])).toEqual([
      ['installing', 'approved by a local admin'],
      ['installed', null],
    ]);
    expect(await readFile(target, 'utf8')).toBe('hello\n');
    expect(await readdir(join(state, 'requests'))).toEqual([]);
    expect((await readPendingView(state))?.updates).toEqual([]);
  });

  it('counts logged-on users and runs the reboot command only when given one', async () => {
    const plain = new RealHost({ stateDir: state });
    expect(plain.restartComputer).toBeUndefined();
    expect(await plain.loggedOnUsers()).toBeGreaterThanOrEqual(0);
    const marker = join(state, 'rebooted');
    const rebooting = new RealHost({
      stateDir: state,
      rebootCommand: `echo now > "${marker}"`,
      countLoggedOnUsers: () => Promise.resolve(2),
    });
    expect(await rebooting.loggedOnUsers()).toBe(2);
    const result = await rebooting.restartComputer?.();
    expect(result?.exitCode).toBe(0);
    expect(await readFile(marker, 'utf8')).toBe('now\n');
  });

  it('reports its inventory with the overrides', async () => {
    const host = new RealHost({ stateDir: state, hostname: 'test-pc', site: 'lab' });
    const inventory = await host.inventory();
    expect(inventory).toMatchObject({ hostname: 'test-pc', site: 'lab', agentVersion: '0.1.0' });
    expect(inventory.hardwareId.length).toBeGreaterThan(0);
    expect(inventory.freeDiskMB).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(inventory.bootTime ?? ''))).toBe(false);
    expect(await host.bootTime()).toBe(inventory.bootTime);
  });

  it('reads the dpkg database: every installed package, or one by name', async () => {
    const host = new RealHost({ stateDir: state });
    const version = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'dpkg'], {
      encoding: 'utf8',
    });
    const all = await host.packages();
    expect(all?.manager).toBe('dpkg');
    expect(all?.packages.find((p) => p.name === 'dpkg')?.version).toBe(version);
    expect(all?.hash).toMatch(/^[0-9a-f]{64}$/);
    const one = await host.packages('dpkg');
    expect(one?.packages.map((p) => p.name)).toEqual(['dpkg']);
    expect((await host.packages('ringmaster-no-such-package'))?.packages).toEqual([]);
  });
});
