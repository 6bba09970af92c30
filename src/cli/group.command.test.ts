import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatWindows, windowFromFlags } from './group.command.js';
import { createProgram, runCli } from './program.js';

type Seen = { method: string; url: string; body: unknown };

let server: Server;
let routes: Record<string, { status: number; body: unknown }>;
let seen: Seen[];
let out: string;
let err: string;

beforeEach(async () => {
  routes = {};
  seen = [];
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const route = routes[`${req.method} ${req.url}`] ?? {
        status: 404,
        body: { error: 'not-found', message: `no route ${req.method} ${req.url}` },
      };
      res.writeHead(route.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(route.body));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  vi.stubEnv('RINGMASTER_URL', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
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

const sunday = { cron: '0 2 * * 0', durationMinutes: 120, timezone: 'UTC' };
const saturday = { cron: '0 1 * * 6', durationMinutes: 240, timezone: 'Asia/Tokyo' };

const group = (windows: unknown[]) => ({
  id: 'g1',
  name: 'tokyo',
  kind: 'static',
  query: null,
  memberCount: 1,
  windows,
  createdAt: '2026-11-25T10:00:00.000Z',
});

describe('group window', () => {
  it('appends a window to those the group has and PUTs them all', async () => {
    routes['GET /api/v1/groups/tokyo'] = {
      status: 200,
      body: { ...group([sunday]), members: [{ id: 'c1', hostname: 'pc-1' }] },
    };
    routes['PUT /api/v1/groups/tokyo/windows'] = { status: 200, body: group([sunday, saturday]) };
    const code = await run(
      'group',
      'window',
      'tokyo',
      '--cron',
      '0 1 * * 6',
      '--duration',
      '4h',
      '--timezone',
      'Asia/Tokyo',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /api/v1/groups/tokyo',
      'PUT /api/v1/groups/tokyo/windows',
    ]);
    expect(seen[1]?.body).toEqual({ windows: [sunday, saturday] });
    expect(out).toContain('Group tokyo now has 2 maintenance window(s).');
    expect(out).toMatch(/0 1 \* \* 6\s+4h\s+Asia\/Tokyo/);
  });

  it('--clear removes every window', async () => {
    routes['PUT /api/v1/groups/tokyo/windows'] = { status: 200, body: group([]) };
    expect(await run('group', 'window', 'tokyo', '--clear')).toBe(0);
    expect(seen).toEqual([
      { method: 'PUT', url: '/api/v1/groups/tokyo/windows', body: { windows: [] } },
    ]);
    expect(out).toContain('Removed the maintenance windows of group tokyo.');
  });

  it('checks the window before sending anything', async () => {
    expect(await run('group', 'window', 'tokyo', '--cron', '0 1 * *', '--duration', '4h')).toBe(2);
    expect(err).toContain('error: invalid window: cron: "0 1 * *" must have 5 fields');
    err = '';
    expect(
      await run(
        'group',
        'window',
        'tokyo',
        '--cron',
        '0 1 * * 6',
        '--duration',
        '4h',
        '--timezone',
        'Mars/Olympus',
      ),
    ).toBe(2);
    expect(err).toContain('timezone: must be an IANA time zone');
    err = '';
    expect(await run('group', 'window', 'tokyo', '--cron', '0 1 * * 6')).toBe(2);
    expect(err).toContain('a window needs --duration');
    err = '';
    expect(await run('group', 'window', 'tokyo', '--clear', '--cron', '0 1 * * 6')).toBe(2);
    expect(err).toContain('--clear removes all windows');
    expect(seen).toHaveLength(0);
  });

  it('turns the flags into a window, UTC by default', () => {
    expect(windowFromFlags({ cron: '0 2 * * 0', duration: '2h', timezone: 'UTC' })).toEqual(sunday);
    expect(() => windowFromFlags({ cron: '0 2 * * 0', duration: 'soon', timezone: 'UTC' })).toThrow(
      '--duration: "soon" is not a duration',
    );
  });
});

describe('group show', () => {
  it('lists the windows and the members', async () => {
    routes['GET /api/v1/groups/tokyo'] = {
      status: 200,
      body: { ...group([saturday]), members: [{ id: 'c1', hostname: 'pc-1' }] },
    };
    expect(await run('group', 'show', 'tokyo')).toBe(0);
    expect(out).toContain(`Maintenance windows:\n${formatWindows([saturday])}\n`);
    expect(out).toMatch(/CRON\s+DURATION\s+TIMEZONE\n0 1 \* \* 6\s+4h\s+Asia\/Tokyo/);
    expect(out).toMatch(/Members:\nHOSTNAME\s+ID\npc-1\s+c1/);
  });
});
