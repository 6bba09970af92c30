import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { statusStates } from '../domain/status.js';
import {
  captureOutput,
  runProgram as run,
  sendJson,
  useFakeApi,
  withText,
} from './cli.test-support.js';

const api = useFakeApi();
const { routes } = api;
const io = captureOutput();

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
  ...Object.fromEntries(statusStates.map((s) => [s, 0])),
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
};

/** Its computers, the first page of two. */
const computers = {
  items: [
    status('pc-1', 'installed', { phase: 'pilot' }),
    status('pc-2', 'failed', { phase: 'pilot', reason: 'install-error', exitCode: 1603 }),
  ],
  nextCursor: 'c2',
  total: 3,
};

describe('ringmaster CLI', () => {
  it('prints the version', async () => {
    expect(await run('--version')).toBe(0);
    expect(io.out).toBe('9.9.9\n');
  });

  it('exits 2 on bad usage', async () => {
    expect(await run('deployment', 'create', '--update', 'acme-1')).toBe(2);
    expect(io.err).toContain("required option '--group <name>' not specified");
    io.err = '';
    expect(await run('enrollment', 'create', '--expires', 'soon')).toBe(2);
    expect(io.err).toContain('expected a duration like 30m, 12h, 7d, 2w or seconds');
    expect(await run('nonsense')).toBe(2);
  });

  it('exits 2 without a token', async () => {
    vi.stubEnv('RINGMASTER_TOKEN', '');
    vi.stubEnv('RINGMASTER_TOKEN_FILE', '/nonexistent/ringmaster-token');
    expect(await run('group', 'list')).toBe(2);
    expect(io.err).toBe(
      'error: a token is required: pass --token, set RINGMASTER_TOKEN, or run `ringmaster login`\n',
    );
  });

  it('prints an API error as one line and exits 1', async () => {
    expect(await run('update', 'show', 'nope')).toBe(1);
    expect(io.err).toBe('error: no route GET /api/v1/updates/nope (404 not-found)\n');
    expect(io.out).toBe('');
  });

  it('prints the server object for --json', async () => {
    routes['GET /api/v1/deployments/d1'] = { status: 200, body: deployment };
    expect(await run('deployment', 'show', 'd1', '--json')).toBe(0);
    expect(JSON.parse(io.out)).toEqual(deployment);
  });

  it('shows a deployment as counts and a table', async () => {
    routes['GET /api/v1/deployments/d1'] = { status: 200, body: deployment };
    routes['GET /api/v1/deployments/d1/computers'] = { status: 200, body: computers };
    expect(await run('deployment', 'show', 'd1', '--token', 'flag-token')).toBe(0);
    expect(io.out).toContain('installed 1 · failed 1 (of 2)');
    expect(io.out).not.toContain('pending 0');
    expect(io.out).toMatch(/Waiting for: +phase pilot: 50% succeeded, needs 95%/);
    expect(io.out).toMatch(/Phase: +pilot \(1\/2\)/);
    expect(io.out).toMatch(/#\s+PHASE\s+TARGET\s+OPENED\s+SIZE\s+INSTALLED\s+FAILED/);
    expect(io.out).toMatch(/1\s+pilot\s+50%\s+2026-11-25 09:00:00Z\s+2\s+1\s+1/);
    expect(io.out).toMatch(/2\s+broad\s+100%\s+not yet\s+0\s+0\s+0/);
    expect(io.out).toMatch(/HOSTNAME\s+PHASE\s+STATE\s+REASON\s+EXIT CODE\s+UPDATED/);
    expect(io.out).toMatch(/pc-2\s+pilot\s+failed\s+install-error\s+1603\s+2026-11-25 10:00:00Z/);
    expect(io.out).toContain('showing 2 of 3 — next: --cursor c2 (deployment computers d1)');
  });

  it('lists a page with its footer, and every page with --all', async () => {
    routes['GET /api/v1/deployments/d1/computers?limit=2&state=failed'] = {
      status: 200,
      body: computers,
    };
    expect(await run('deployment', 'computers', 'd1', '--limit', '2', '--state', 'failed')).toBe(0);
    expect(io.out).toMatch(/pc-1\s+pilot\s+installed/);
    expect(io.out).toMatch(/showing 2 of 3 — next: --cursor c2\n$/);
    io.out = '';
    routes['GET /api/v1/deployments/d1/computers?limit=500'] = { status: 200, body: computers };
    routes['GET /api/v1/deployments/d1/computers?limit=500&cursor=c2'] = {
      status: 200,
      body: { items: [status('pc-3', 'pending', { phase: 'broad' })], nextCursor: null, total: 3 },
    };
    expect(await run('deployment', 'computers', 'd1', '--all', '--json')).toBe(0);
    const all = JSON.parse(io.out) as { items: { hostname: string }[]; nextCursor: null };
    expect(all.items.map((c) => c.hostname)).toEqual(['pc-1', 'pc-2', 'pc-3']);
    expect(all.nextCursor).toBeNull();
  });

  it('refuses a bad --limit before calling the server', async () => {
    expect(await run('computer', 'list', '--limit', '0')).toBe(2);
    expect(io.err).toContain('--limit: "0" is not a whole number from 1 to 500');
    expect(await run('computer', 'list', '--limit', 'lots')).toBe(2);
  });

  it('sends the parsed duration when creating an enrollment token', async () => {
    let body: unknown;
    api.server.removeAllListeners('request');
    api.server.on(
      'request',
      withText((_req, res, text) => {
        body = JSON.parse(text);
        sendJson(
          res,
          {
            id: 'e1',
            token: 'rm_enroll_abc',
            group: 'paris',
            expiresAt: '2026-11-26T09:00:00.000Z',
            usesLeft: 5,
            uses: 0,
            createdAt: '2026-11-25T09:00:00.000Z',
            revokedAt: null,
            revokedBy: null,
          },
          201,
        );
      }),
    );
    expect(
      await run('enrollment', 'create', '--group', 'paris', '--expires', '1d', '--uses', '5'),
    ).toBe(0);
    expect(body).toEqual({ group: 'paris', expiresInSeconds: 86_400, uses: 5 });
    expect(io.out).toContain('    rm_enroll_abc\n');
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
    expect(io.err).toBe('');
    expect(io.out).toContain('Update acme-1 is already in the catalog with the same content.');
    expect(io.out).toMatch(/Install: +true/);
  });
});
