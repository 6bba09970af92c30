import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgram, runCli } from './program.js';

let server: Server;
let url: string;
let routes: Record<string, { status: number; body: unknown }>;
let out: string;
let err: string;

beforeEach(async () => {
  routes = {};
  server = createServer((req, res) => {
    const route = routes[`${req.method} ${req.url}`] ?? {
      status: 404,
      body: { error: 'not-found', message: `no route ${req.method} ${req.url}` },
    };
    res.writeHead(route.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(route.body));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  vi.stubEnv('RINGMASTER_URL', url);
  vi.stubEnv('RINGMASTER_TOKEN', 'env-token');
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
  vi.unstubAllEnvs();
  await new Promise((ok) => server.close(ok));
});

const run = (...args: string[]) => runCli(createProgram('9.9.9'), ['node', 'ringmaster', ...args]);

const status = (hostname: string, state: string, extra: Record<string, unknown> = {}) => ({
  computerId: `c-${hostname}`,
  hostname,
  updateId: 'acme-1',
  deploymentId: 'd1',
  state,
  reason: null,
  exitCode: null,
  output: null,
  message: null,
  attempts: 1,
  updatedAt: '2026-11-25T10:00:00.000Z',
  installedAt: null,
  ...extra,
});

const counts = (set: Record<string, number>) => ({
  ...Object.fromEntries(
    [
      'pending',
      'downloading',
      'downloaded',
      'awaiting-user',
      'installing',
      'installed',
      'pending-reboot',
      'not-applicable',
      'failed',
      'uninstalling',
      'uninstalled',
      'uninstall-failed',
    ].map((s) => [s, 0]),
  ),
  ...set,
});

const deployment = {
  id: 'd1',
  updateId: 'acme-1',
  groups: ['paris'],
  state: 'active',
  stateReason: null,
  action: 'install',
  emergency: null,
  deadline: null,
  waitingFor: 'phase pilot: 50% succeeded, needs 95%',
  createdAt: '2026-11-25T09:00:00.000Z',
  counts: counts({ installed: 1, failed: 1 }),
  total: 2,
  phases: [
    {
      index: 0,
      name: 'pilot',
      percent: 50,
      groups: [],
      openedAt: '2026-11-25T09:00:00.000Z',
      promotedAt: null,
      size: 2,
      counts: counts({ installed: 1, failed: 1 }),
    },
    {
      index: 1,
      name: 'broad',
      percent: 100,
      groups: [],
      openedAt: null,
      promotedAt: null,
      size: 0,
      counts: counts({}),
    },
  ],
  plan: {
    phases: [
      { name: 'pilot', percent: 50 },
      { name: 'broad', percent: 100 },
    ],
  },
  computers: [
    status('pc-1', 'installed', { phase: 'pilot' }),
    status('pc-2', 'failed', { phase: 'pilot', reason: 'install-error', exitCode: 1603 }),
  ],
};

describe('ringmaster CLI', () => {
  it('prints the version', async () => {
    expect(await run('--version')).toBe(0);
    expect(out).toBe('9.9.9\n');
  });

  it('exits 2 on bad usage', async () => {
    expect(await run('deployment', 'create', '--update', 'acme-1')).toBe(2);
    expect(err).toContain("required option '--group <name>' not specified");
    err = '';
    expect(await run('enrollment', 'create', '--expires', 'soon')).toBe(2);
    expect(err).toContain('expected a duration like 30m, 12h, 7d, 2w or seconds');
    expect(await run('nonsense')).toBe(2);
  });

  it('exits 2 without a token', async () => {
    vi.stubEnv('RINGMASTER_TOKEN', '');
    expect(await run('group', 'list')).toBe(2);
    expect(err).toBe('error: an admin token is required: pass --token or set RINGMASTER_TOKEN\n');
  });

  it('prints an API error as one line and exits 1', async () => {
    expect(await run('update', 'show', 'nope')).toBe(1);
    expect(err).toBe('error: no route GET /api/v1/updates/nope (404 not-found)\n');
    expect(out).toBe('');
  });

  it('prints the server object for --json', async () => {
    routes['GET /api/v1/deployments/d1'] = { status: 200, body: deployment };
    expect(await run('deployment', 'show', 'd1', '--json')).toBe(0);
    expect(JSON.parse(out)).toEqual(deployment);
  });

  it('shows a deployment as counts and a table', async () => {
    routes['GET /api/v1/deployments/d1'] = { status: 200, body: deployment };
    expect(await run('deployment', 'show', 'd1', '--token', 'flag-token')).toBe(0);
    expect(out).toContain('installed 1 · failed 1 (of 2)');
    expect(out).not.toContain('pending 0');
    expect(out).toMatch(/Waiting for: +phase pilot: 50% succeeded, needs 95%/);
    expect(out).toMatch(/Phase: +pilot \(1\/2\)/);
    expect(out).toMatch(/#\s+PHASE\s+TARGET\s+OPENED\s+SIZE\s+INSTALLED\s+FAILED/);
    expect(out).toMatch(/1\s+pilot\s+50%\s+2026-11-25 09:00:00Z\s+2\s+1\s+1/);
    expect(out).toMatch(/2\s+broad\s+100%\s+not yet\s+0\s+0\s+0/);
    expect(out).toMatch(/HOSTNAME\s+PHASE\s+STATE\s+REASON\s+EXIT CODE\s+UPDATED/);
    expect(out).toMatch(/pc-2\s+pilot\s+failed\s+install-error\s+1603\s+2026-11-25 10:00:00Z/);
  });

  it('sends the parsed duration when creating an enrollment token', async () => {
    let body: unknown;
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        body = JSON.parse(text);
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'e1',
            token: 'rm_enroll_abc',
            group: 'paris',
            expiresAt: '2026-11-26T09:00:00.000Z',
            usesLeft: 5,
            uses: 0,
            createdAt: '2026-11-25T09:00:00.000Z',
          }),
        );
      });
    });
    expect(
      await run('enrollment', 'create', '--group', 'paris', '--expires', '1d', '--uses', '5'),
    ).toBe(0);
    expect(body).toEqual({ group: 'paris', expiresInSeconds: 86_400, uses: 5 });
    expect(out).toContain('    rm_enroll_abc\n');
  });

  it('imports an update and prints it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ringmaster-cli-'));
    const manifest = {
      id: 'acme-1',
      title: 'Acme 1',
      severity: 'low',
      platforms: [{ os: 'linux' }],
      detect: { type: 'command', command: 'acme --version' },
      install: { command: 'true' },
    };
    await writeFile(join(dir, 'update.json'), JSON.stringify(manifest));
    routes['POST /api/v1/updates'] = {
      status: 200,
      body: {
        id: 'acme-1',
        title: 'Acme 1',
        severity: 'low',
        classification: 'update',
        uninstallable: false,
        files: [],
        manifest,
        createdAt: '2026-11-25T09:00:00.000Z',
      },
    };
    try {
      expect(await run('update', 'import', dir)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(err).toBe('');
    expect(out).toContain('Update acme-1 is already in the catalog with the same content.');
    expect(out).toMatch(/Install: +true/);
  });
});
