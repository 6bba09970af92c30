import { readFile, readdir, writeFile } from 'node:fs/promises';
import type { Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PendingView } from '../agent/core/local-user.js';
import { FsLocalUser, readRequests } from '../agent/host/local-user-files.js';
import { TestSigner } from '../agent/trust.test-support.js';

/** The fake servers sign their answers as the real one does. */
const signer = new TestSigner(() => Date.now());
import { waitFor } from '../../test/support/agents.js';
import { registerAgentCommand, serverUrl, serverUrls } from './agent.command.js';
import { startingServer } from '../agent/core/server-list.js';
import {
  captureOutput,
  close,
  listen,
  sendJson,
  textServer,
  useTempDir,
} from './cli.test-support.js';
import { createProgram, runCli } from './program.js';

const io = captureOutput();
const tmp = useTempDir('rm-agent-cli-');

const run = (...args: string[]) =>
  runCli(createProgram('9.9.9', [registerAgentCommand]), ['node', 'ringmaster', ...args]);

const view: PendingView = {
  updatedAt: '2026-01-10T09:00:00.000Z',
  computerId: 'c-1',
  updates: [
    {
      updateId: 'app-1.2',
      title: 'App 1.2',
      deploymentId: 'd-1',
      policy: 'notify',
      waitingFor: 'download-approval',
      approved: false,
      postponedUntil: null,
      since: '2026-01-10T08:00:00.000Z',
      installAt: null,
      deadline: '2026-01-17T00:00:00.000Z',
    },
    {
      updateId: 'tool-2',
      title: 'Tool 2',
      deploymentId: 'd-2',
      policy: 'scheduled',
      waitingFor: 'scheduled-install',
      approved: false,
      postponedUntil: null,
      since: '2026-01-10T08:00:00.000Z',
      installAt: '2026-01-11T01:00:00.000Z',
      deadline: null,
    },
  ],
  restart: {
    updates: ['kernel-5'],
    automatic: true,
    postponedUntil: null,
    blockedByLoggedOnUser: false,
  },
};

describe('ringmaster agent pending / install / postpone-restart', () => {
  it('says so when the agent has published nothing yet', async () => {
    expect(await run('agent', 'pending', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toContain('nothing published yet');
    expect(await run('agent', 'install', 'app-1.2', '--state-dir', tmp.dir)).toBe(1);
    expect(io.err).toContain('pending.json does not exist');
  });

  it('shows the reports the server refused, which the agent set aside', async () => {
    const report = {
      seq: 7,
      updateId: 'app-1.2',
      deploymentId: 'd-1',
      state: 'installed',
      reason: null,
      exitCode: null,
      output: null,
      message: null,
      at: '2026-01-10T09:00:00.000Z',
    };
    const quarantined = [{ report, status: 404, message: 'unknown deployment', at: report.at }];
    await writeFile(
      join(tmp.dir, 'outbox.json'),
      JSON.stringify({ lastSeq: 7, pending: [], quarantined }),
    );
    expect(await run('agent', 'pending', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toContain(
      'report 7 (app-1.2: installed) refused by the server (HTTP 404): unknown deployment',
    );
    io.out = '';
    expect(await run('agent', 'pending', '--state-dir', tmp.dir, '--json')).toBe(0);
    expect((JSON.parse(io.out) as { quarantined: unknown }).quarantined).toEqual(quarantined);
  });

  it('lists what waits, as a table and as JSON', async () => {
    await new FsLocalUser(tmp.dir).publish(view);
    expect(await run('agent', 'pending', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toContain('app-1.2  approval to download');
    expect(io.out).toContain('tool-2   its scheduled time');
    expect(io.out).toContain('2026-01-11 01:00:00Z');
    expect(io.out).toContain('restart needed for kernel-5: the agent restarts the computer');

    io.out = '';
    expect(await run('agent', 'pending', '--state-dir', tmp.dir, '--json')).toBe(0);
    const json = JSON.parse(io.out) as PendingView & { requests: unknown[] };
    expect(json.updates.map((u) => u.updateId)).toEqual(['app-1.2', 'tool-2']);
    expect(json.requests).toEqual([]);
  });

  it('records an approval of the step the update waits for, atomically', async () => {
    await new FsLocalUser(tmp.dir).publish(view);
    expect(await run('agent', 'install', 'app-1.2', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toContain('approved the download of app-1.2');
    expect(await readdir(join(tmp.dir, 'requests'))).toEqual(['approve-app-1.2.json']);
    const requests = await readRequests(tmp.dir);
    expect(requests).toMatchObject([
      { id: 'approve-app-1.2.json', kind: 'approve', updateId: 'app-1.2', stage: 'download' },
    ]);

    expect(await run('agent', 'install', 'tool-2', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toContain('approved the install of tool-2');

    io.out = '';
    expect(await run('agent', 'pending', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toContain('approval of the download of app-1.2: waiting for the agent');
  });

  it('refuses an update that is not pending, naming those that are', async () => {
    await new FsLocalUser(tmp.dir).publish(view);
    expect(await run('agent', 'install', 'other-9', '--state-dir', tmp.dir)).toBe(1);
    expect(io.err).toContain('other-9 is not pending on this computer (pending: app-1.2, tool-2)');
    expect(await readRequests(tmp.dir)).toEqual([]);
  });

  it('postpones the restart', async () => {
    await new FsLocalUser(tmp.dir).publish(view);
    const before = Date.now();
    expect(await run('agent', 'postpone-restart', '--for', '2h', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toContain('no automatic restart before');
    const [request] = await readRequests(tmp.dir);
    expect(request?.kind).toBe('postpone-restart');
    const until = request?.kind === 'postpone-restart' ? Date.parse(request.until) : 0;
    expect(until - before).toBeGreaterThanOrEqual(2 * 3_600_000 - 1000);
    expect(until - before).toBeLessThan(2 * 3_600_000 + 5000);

    expect(await run('agent', 'postpone-restart', '--for', 'soon', '--state-dir', tmp.dir)).toBe(2);
    expect(io.err).toContain('not a duration');
  });

  it('takes a postponement back, replacing one the agent has not picked up; refuses when there is none', async () => {
    await new FsLocalUser(tmp.dir).publish(view);
    expect(await run('agent', 'postpone', 'app-1.2', '--take-back', '--state-dir', tmp.dir)).toBe(
      1,
    );
    expect(io.err).toContain('the install of app-1.2 is not postponed');
    expect(await run('agent', 'postpone-restart', '--take-back', '--state-dir', tmp.dir)).toBe(1);
    expect(io.err).toContain('the restart is not postponed');

    expect(await run('agent', 'postpone', 'app-1.2', '--for', '1h', '--state-dir', tmp.dir)).toBe(
      0,
    );
    expect(await run('agent', 'postpone', 'app-1.2', '--take-back', '--state-dir', tmp.dir)).toBe(
      0,
    );
    expect(io.out).toContain('the postponement of app-1.2 is taken back');
    expect(await readRequests(tmp.dir)).toMatchObject([
      { id: 'postpone-app-1.2.json', kind: 'take-back-postpone', updateId: 'app-1.2' },
    ]);

    const postponed = {
      ...view,
      restart: { ...view.restart!, postponedUntil: '2026-01-10T12:00:00.000Z' },
    };
    await new FsLocalUser(tmp.dir).publish(postponed);
    expect(await run('agent', 'postpone-restart', '--take-back', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toContain('the restart postponement is taken back');
    io.out = '';
    expect(await run('agent', 'pending', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toContain('taking back the restart postponement: waiting for the agent');
  });

  it('tells the person at the computer whether it is enrolled, when it last ran, what waits', async () => {
    expect(await run('agent', 'status', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toContain('not enrolled yet');
    expect(io.out).toContain('Last cycle:      none yet');

    await writeFile(
      join(tmp.dir, 'credential.json'),
      JSON.stringify({ computerId: 'c-1', credential: 's' }),
    );
    await new FsLocalUser(tmp.dir).publish(view);
    io.out = '';
    // The state dir from the environment, as the agent package's wrapper sets it.
    vi.stubEnv('RINGMASTER_STATE_DIR', tmp.dir);
    try {
      expect(await run('agent', 'status', '--json')).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(JSON.parse(io.out)).toEqual({
      stateDir: tmp.dir,
      enrolled: true,
      computerId: 'c-1',
      lastCycleAt: view.updatedAt,
      server: null,
      serverSince: null,
      lastFailover: null,
      servers: [],
      pushServer: null,
      reportsQueued: 0,
      reportsQuarantined: 0,
      updatesWaiting: 2,
      restartNeededFor: ['kernel-5'],
    });
    expect(io.out).not.toContain('"s"');
  });

  it('wants a state dir', async () => {
    expect(await run('agent', 'pending')).toBe(2);
    expect(await run('agent', '--server', 'http://127.0.0.1:1', '--once')).toBe(2);
    expect(io.err).toContain('--state-dir');
  });

  it('refuses a --rate-limit that is not a whole number of bytes, before anything runs', async () => {
    const args = ['agent', '--server', 'http://127.0.0.1:1', '--state-dir', tmp.dir, '--once'];
    expect(await run(...args, '--rate-limit', '2MB')).not.toBe(0);
    expect(io.err).toContain('--rate-limit: expected a whole number');
    expect(await readdir(tmp.dir)).toEqual([]);
  });
});

describe('ringmaster agent (loop mode)', () => {
  let server: Server;
  let url: string;
  let checkins: { absences: unknown[] }[];
  let wakeStream: ServerResponse | null;

  beforeEach(async () => {
    checkins = [];
    wakeStream = null;
    server = textServer((req, res, text) => {
      const path = req.url ?? '';
      if (path === '/agent/v1/enroll')
        return sendJson(res, { computerId: 'c-1', credential: 'cred', root: signer.root });
      if (path.endsWith('/checkin')) {
        checkins.push(JSON.parse(text) as { absences: unknown[] });
        return sendJson(res, {
          computerId: 'c-1',
          assignments: [],
          nextCheckinSeconds: 3600,
          ackedSeq: 0,
          metadata: signer.sign('c-1', []),
        });
      }
      if (path.endsWith('/wake')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': ping\n\n');
        wakeStream = res;
        return;
      }
      res.writeHead(404).end();
    });
    url = await listen(server);
  });

  afterEach(async () => {
    server.closeAllConnections();
    await close(server);
  });

  const until = (check: () => boolean): Promise<boolean> =>
    waitFor('the agent', () => Promise.resolve(check()), 20_000, 20);

  it('checks in on a push wake-up and on a local request, and records a clean stop', async () => {
    const agent = run(
      'agent',
      '--server',
      url,
      '--enrollment-token',
      't',
      '--state-dir',
      tmp.dir,
      '--stop-reason',
      'stopped for the test',
    );
    await until(() => checkins.length === 1 && wakeStream !== null);

    // The server says "check in now", in two pieces.
    wakeStream?.write('event: chec');
    wakeStream?.write('kin\ndata: {}\n\n');
    await until(() => checkins.length === 2);

    // A local admin postpones the restart: the agent notices within about a second.
    await new FsLocalUser(tmp.dir).publish(view);
    expect(await run('agent', 'postpone-restart', '--for', '1h', '--state-dir', tmp.dir)).toBe(0);
    await until(() => checkins.length === 3);
    expect(await readRequests(tmp.dir)).toEqual([]); // applied and removed

    process.emit('SIGTERM');
    expect(await agent).toBe(0);
    const absences = JSON.parse(await readFile(join(tmp.dir, 'absences.json'), 'utf8')) as {
      stop: { detail: string } | null;
    };
    expect(absences.stop?.detail).toBe('stopped for the test');
    expect(JSON.parse(await readFile(join(tmp.dir, 'memory.json'), 'utf8'))).toMatchObject({
      restart: { postponedUntil: expect.any(String) as unknown },
    });
  });
});

describe('the agent finds its server', () => {
  it('reads --server, then RINGMASTER_URL as the admin commands do', () => {
    const warned: string[] = [];
    const warn = (line: string) => warned.push(line);
    const env = { RINGMASTER_URL: 'http://new:8080', RINGMASTER_SERVER: 'http://old:8080' };
    expect(serverUrl('http://flag:1', env, warn)).toBe('http://flag:1');
    expect(serverUrl(undefined, env, warn)).toBe('http://new:8080');
    expect(warned).toEqual([]);
  });

  it('still takes RINGMASTER_SERVER, saying it is deprecated', () => {
    const warned: string[] = [];
    expect(
      serverUrl(undefined, { RINGMASTER_SERVER: 'http://old:8080' }, (l) => warned.push(l)),
    ).toBe('http://old:8080');
    expect(warned).toEqual(['RINGMASTER_SERVER is deprecated: set RINGMASTER_URL instead']);
  });

  it('runs against RINGMASTER_URL, and names it when no server is given', async () => {
    vi.stubEnv('RINGMASTER_URL', '');
    vi.stubEnv('RINGMASTER_SERVER', '');
    expect(await run('agent', '--state-dir', tmp.dir, '--once')).toBe(2);
    expect(io.err).toContain('RINGMASTER_URL');

    const server = textServer((req, res) => {
      if (req.url === '/agent/v1/enroll')
        return sendJson(res, { computerId: 'c-9', credential: 'x', root: signer.root });
      return sendJson(res, {
        computerId: 'c-9',
        assignments: [],
        nextCheckinSeconds: 60,
        ackedSeq: 0,
        metadata: signer.sign('c-9', []),
      });
    });
    const url = await listen(server);
    try {
      vi.stubEnv('RINGMASTER_URL', url);
      const code = await run('agent', '--state-dir', tmp.dir, '--once', '--enrollment-token', 't');
      expect(code).toBe(0);
      expect(io.out).toContain('enrolled as c-9');
    } finally {
      vi.unstubAllEnvs();
      await close(server);
    }
  });

  it('takes several servers: --server repeated or comma-separated, else RINGMASTER_URL', () => {
    const env = { RINGMASTER_URL: 'https://a.example, https://b.example,' };
    expect(serverUrls(undefined, env)).toEqual(['https://a.example', 'https://b.example']);
    expect(serverUrls(['https://c.example', 'https://d.example,https://c.example'], env)).toEqual([
      'https://c.example',
      'https://d.example',
    ]);
    expect(() => serverUrls(['https://a.example', 'a.example:8080'], env)).toThrow(
      '--server: not an http:// or https:// URL: a.example:8080',
    );
    expect(() => serverUrls(undefined, { RINGMASTER_URL: 'ftp://a.example' })).toThrow(
      'RINGMASTER_URL: not an http:// or https:// URL: ftp://a.example',
    );
    expect(() => serverUrls(undefined, { RINGMASTER_URL: ' , ' })).toThrow('no server');
  });

  it('enrolls through the next server when its own is down, and says which in agent status', async () => {
    const server = textServer((req, res) => {
      if (req.url === '/agent/v1/enroll')
        return sendJson(res, { computerId: 'c-7', credential: 'x', root: signer.root });
      return sendJson(res, {
        computerId: 'c-7',
        assignments: [],
        nextCheckinSeconds: 60,
        ackedSeq: 0,
        metadata: signer.sign('c-7', []),
      });
    });
    const url = await listen(server);
    const dead = 'http://127.0.0.1:1';
    // A nonce whose place in a list of two is the first: the dead server.
    let nonce = 0;
    while (startingServer(`nonce-${nonce}`, 2) !== 0) nonce += 1;
    await writeFile(join(tmp.dir, 'enrollment-nonce.json'), `nonce-${nonce}`);
    try {
      const code = await run(
        'agent',
        '--server',
        dead,
        '--server',
        url,
        '--state-dir',
        tmp.dir,
        '--once',
        '--enrollment-token',
        't',
      );
      expect(code, io.err).toBe(0);
      expect(io.out).toContain(`servers: ${dead}, ${url}; starting with ${dead}`);
      expect(io.out).toContain(`now using server ${url} (server unreachable`);
      expect(io.out).toContain('enrolled as c-7');
    } finally {
      await close(server);
    }
    io.out = '';
    expect(await run('agent', 'status', '--state-dir', tmp.dir)).toBe(0);
    expect(io.out).toMatch(
      new RegExp(`Server: +${url} since .*, moved from ${dead} \\(server unreachable`),
    );
    expect(io.out).toMatch(new RegExp(`Servers: +${dead}, ${url}\n`));
    expect(io.out).toMatch(/Push channel: +not held/);
    io.out = '';
    expect(await run('agent', 'status', '--state-dir', tmp.dir, '--json')).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({
      server: url,
      servers: [dead, url],
      lastFailover: {
        from: dead,
        reason: expect.stringContaining('server unreachable') as unknown,
      },
      pushServer: null,
    });
  });
});
