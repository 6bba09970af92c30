import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PendingView } from '../agent/core/local-user.js';
import { FsLocalUser, readRequests } from '../agent/host/local-user-files.js';
import { registerAgentCommand } from './agent.command.js';
import { createProgram, runCli } from './program.js';

let dir: string;
let out: string;
let err: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rm-agent-cli-'));
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

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
    expect(await run('agent', 'pending', '--state-dir', dir)).toBe(0);
    expect(out).toContain('nothing published yet');
    expect(await run('agent', 'install', 'app-1.2', '--state-dir', dir)).toBe(1);
    expect(err).toContain('pending.json does not exist');
  });

  it('lists what waits, as a table and as JSON', async () => {
    await new FsLocalUser(dir).publish(view);
    expect(await run('agent', 'pending', '--state-dir', dir)).toBe(0);
    expect(out).toContain('app-1.2  approval to download');
    expect(out).toContain('tool-2   its scheduled time');
    expect(out).toContain('2026-01-11 01:00:00Z');
    expect(out).toContain('restart needed for kernel-5: the agent restarts the computer');

    out = '';
    expect(await run('agent', 'pending', '--state-dir', dir, '--json')).toBe(0);
    const json = JSON.parse(out) as PendingView & { requests: unknown[] };
    expect(json.updates.map((u) => u.updateId)).toEqual(['app-1.2', 'tool-2']);
    expect(json.requests).toEqual([]);
  });

  it('records an approval of the step the update waits for, atomically', async () => {
    await new FsLocalUser(dir).publish(view);
    expect(await run('agent', 'install', 'app-1.2', '--state-dir', dir)).toBe(0);
    expect(out).toContain('approved the download of app-1.2');
    expect(await readdir(join(dir, 'requests'))).toEqual(['approve-app-1.2.json']);
    const requests = await readRequests(dir);
    expect(requests).toMatchObject([
      { id: 'approve-app-1.2.json', kind: 'approve', updateId: 'app-1.2', stage: 'download' },
    ]);

    expect(await run('agent', 'install', 'tool-2', '--state-dir', dir)).toBe(0);
    expect(out).toContain('approved the install of tool-2');

    out = '';
    expect(await run('agent', 'pending', '--state-dir', dir)).toBe(0);
    expect(out).toContain('approval of the download of app-1.2: waiting for the agent');
  });

  it('refuses an update that is not pending, naming those that are', async () => {
    await new FsLocalUser(dir).publish(view);
    expect(await run('agent', 'install', 'other-9', '--state-dir', dir)).toBe(1);
    expect(err).toContain('other-9 is not pending on this computer (pending: app-1.2, tool-2)');
    expect(await readRequests(dir)).toEqual([]);
  });

  it('postpones the restart', async () => {
    await new FsLocalUser(dir).publish(view);
    const before = Date.now();
    expect(await run('agent', 'postpone-restart', '--for', '2h', '--state-dir', dir)).toBe(0);
    expect(out).toContain('no automatic restart before');
    const [request] = await readRequests(dir);
    expect(request?.kind).toBe('postpone-restart');
    const until = request?.kind === 'postpone-restart' ? Date.parse(request.until) : 0;
    expect(until - before).toBeGreaterThanOrEqual(2 * 3_600_000 - 1000);
    expect(until - before).toBeLessThan(2 * 3_600_000 + 5000);

    expect(await run('agent', 'postpone-restart', '--for', 'soon', '--state-dir', dir)).toBe(2);
    expect(err).toContain('not a duration');
  });

  it('wants a state dir', async () => {
    expect(await run('agent', 'pending')).toBe(2);
    expect(await run('agent', '--server', 'http://127.0.0.1:1', '--once')).toBe(2);
    expect(err).toContain('--state-dir');
  });
});

describe('ringmaster agent (loop mode)', () => {
  let server: Server;
  let checkins: { events: unknown[] }[];
  let wakeStream: ServerResponse | null;

  beforeEach(async () => {
    checkins = [];
    wakeStream = null;
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const json = (value: unknown) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        const url = req.url ?? '';
        if (url === '/agent/v1/enroll') return json({ computerId: 'c-1', credential: 'cred' });
        if (url.endsWith('/checkin')) {
          checkins.push(JSON.parse(Buffer.concat(chunks).toString()) as { events: unknown[] });
          return json({
            computerId: 'c-1',
            assignments: [],
            nextCheckinSeconds: 3600,
            ackedSeq: 0,
          });
        }
        if (url.endsWith('/wake')) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(': ping\n\n');
          wakeStream = res;
          return;
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  });

  const until = async (check: () => boolean, ms = 3000): Promise<void> => {
    const end = Date.now() + ms;
    while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(check()).toBe(true);
  };

  it('checks in on a push wake-up and on a local request, and records a clean stop', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const agent = run(
      'agent',
      '--server',
      url,
      '--enrollment-token',
      't',
      '--state-dir',
      dir,
      '--stop-reason',
      'stopped for the test',
    );
    await until(() => checkins.length === 1 && wakeStream !== null);

    // The server says "check in now", in two pieces.
    wakeStream?.write('event: chec');
    wakeStream?.write('kin\ndata: {}\n\n');
    await until(() => checkins.length === 2);

    // A local admin postpones the restart: the agent notices within about a second.
    await new FsLocalUser(dir).publish(view);
    expect(await run('agent', 'postpone-restart', '--for', '1h', '--state-dir', dir)).toBe(0);
    await until(() => checkins.length === 3);
    expect(await readRequests(dir)).toEqual([]); // applied and removed

    process.emit('SIGTERM');
    expect(await agent).toBe(0);
    const away = JSON.parse(await readFile(join(dir, 'away.json'), 'utf8')) as {
      stop: { detail: string } | null;
    };
    expect(away.stop?.detail).toBe('stopped for the test');
    expect(JSON.parse(await readFile(join(dir, 'memory.json'), 'utf8'))).toMatchObject({
      restart: { postponedUntil: expect.any(String) as unknown },
    });
  });
});
