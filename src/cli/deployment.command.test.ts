import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { statusStates } from '../domain/status.js';
import { formatEvents } from './deployment-format.js';
import { createProgram, runCli } from './program.js';

type Seen = { method: string; url: string; body: unknown };

let server: Server;
let routes: Record<string, { status: number; body: unknown }>;
let seen: Seen[];
let out: string;
let err: string;
let dir: string;

beforeEach(async () => {
  routes = {};
  seen = [];
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body: text === '' ? undefined : JSON.parse(text),
      });
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
  dir = await mkdtemp(join(tmpdir(), 'ringmaster-deployment-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await new Promise((ok) => server.close(ok));
  await rm(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => runCli(createProgram('9.9.9'), ['node', 'ringmaster', ...args]);

const counts = (set: Record<string, number> = {}) => ({
  ...Object.fromEntries(statusStates.map((s) => [s, 0])),
  ...set,
});

const view = (extra: Record<string, unknown> = {}) => ({
  id: 'd1',
  updateId: 'acme-1',
  groups: ['paris'],
  state: 'active',
  stateReason: null,
  action: 'install',
  emergency: null,
  deadline: null,
  waitingFor: null,
  createdAt: '2026-11-25T09:00:00.000Z',
  counts: counts({ installed: 2 }),
  total: 2,
  phases: [
    {
      index: 0,
      name: 'all',
      percent: 100,
      groups: [],
      openedAt: '2026-11-25T09:00:00.000Z',
      promotedAt: null,
      size: 2,
      counts: counts({ installed: 2 }),
    },
  ],
  plan: {},
  computers: [],
  ...extra,
});

/** The one request the command sent, as `METHOD path` and its JSON body. */
function sent(): Seen {
  expect(seen).toHaveLength(1);
  return seen[0] as Seen;
}

describe('deployment create', () => {
  beforeEach(() => {
    routes['POST /api/v1/deployments'] = { status: 201, body: view() };
  });

  it('builds the plan from the flags and sends update, groups and plan', async () => {
    const code = await run(
      'deployment',
      'create',
      '--update',
      'acme-1',
      '--group',
      'paris',
      '--group',
      'tokyo,osaka',
      '--phases',
      'pilot:5%,early:25%,broad:100%',
      '--soak',
      '24h',
      '--min-success',
      '95%',
      '--max-failure',
      '5%',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const { method, url, body } = sent();
    expect(`${method} ${url}`).toBe('POST /api/v1/deployments');
    expect(body).toMatchObject({
      update: 'acme-1',
      groups: ['paris', 'tokyo', 'osaka'],
      plan: {
        phases: [
          { name: 'pilot', percent: 5 },
          { name: 'early', percent: 25 },
          { name: 'broad', percent: 100 },
        ],
        soakSeconds: 86_400,
        gate: { minSuccessPercent: 95, maxFailurePercent: 5, manual: false },
        policy: 'scheduled',
        noAutoRestartWhileLoggedOn: false,
      },
    });
    expect(out).toContain('Created deployment d1.');
    expect(out).toMatch(/1\s+all\s+100%\s+2026-11-25 09:00:00Z\s+2\s+2\s+0/);
  });

  it('sends the policy, retry and restart flags', async () => {
    const code = await run(
      'deployment',
      'create',
      '--update',
      'acme-1',
      '--group',
      'paris',
      '--policy',
      'notify',
      '--recurrence',
      '1d',
      '--max-attempts',
      '3',
      '--manual',
      '--no-auto-restart-while-logged-on',
      '--deadline',
      '2026-12-01T01:00:00+09:00',
    );
    expect(code).toBe(0);
    expect(sent().body).toMatchObject({
      plan: {
        phases: [{ name: 'all', percent: 100 }],
        policy: 'notify',
        recurrenceSeconds: 86_400,
        maxAttempts: 3,
        gate: { manual: true },
        noAutoRestartWhileLoggedOn: true,
        deadline: '2026-12-01T01:00:00+09:00',
      },
    });
  });

  it('sends an emergency with its reason', async () => {
    const code = await run(
      'deployment',
      'create',
      '--update',
      'acme-1',
      '--group',
      'paris',
      '--emergency',
      '--reason',
      'CVE-2026-1234 exploited in the wild',
    );
    expect(code).toBe(0);
    expect(sent().body).toMatchObject({
      plan: { emergency: { reason: 'CVE-2026-1234 exploited in the wild', skipSoak: true } },
    });
  });

  it('refuses --emergency without --reason, sending nothing', async () => {
    expect(
      await run('deployment', 'create', '--update', 'acme-1', '--group', 'paris', '--emergency'),
    ).toBe(2);
    expect(err).toBe('error: --emergency needs --reason "why", which every event will show\n');
    expect(seen).toHaveLength(0);
  });

  it('names the bad field of an impossible plan and exits 2, sending nothing', async () => {
    const code = await run(
      'deployment',
      'create',
      '--update',
      'acme-1',
      '--group',
      'paris',
      '--phases',
      'pilot:150%,broad:100%',
    );
    expect(code).toBe(2);
    expect(err).toMatch(/^error: invalid plan: phases\.0\.percent: 150% is more than 100%/);
    expect(seen).toHaveLength(0);

    err = '';
    expect(
      await run('deployment', 'create', '--update', 'a', '--group', 'g', '--soak', 'a while'),
    ).toBe(2);
    expect(err).toContain('soakSeconds: --soak "a while" is not a duration like 30m, 24h');
    expect(seen).toHaveLength(0);
  });

  it('reads the plan from a YAML file', async () => {
    const file = join(dir, 'plan.yaml');
    await writeFile(
      file,
      [
        'phases:',
        '  - name: servers',
        '    groups: [srv]',
        '  - name: rest',
        '    percent: 100',
        'soakSeconds: 3600',
        'gate:',
        '  maxFailurePercent: 10',
        '',
      ].join('\n'),
    );
    expect(
      await run('deployment', 'create', '--update', 'acme-1', '--group', 'paris', '--plan', file),
    ).toBe(0);
    expect(sent().body).toMatchObject({
      update: 'acme-1',
      groups: ['paris'],
      plan: {
        phases: [
          { name: 'servers', groups: ['srv'] },
          { name: 'rest', percent: 100 },
        ],
        soakSeconds: 3600,
        gate: { minSuccessPercent: 95, maxFailurePercent: 10 },
      },
    });
  });

  it('names the field of a bad plan file', async () => {
    const file = join(dir, 'plan.json');
    await writeFile(file, JSON.stringify({ phases: [{ name: 'a', percent: 50 }] }));
    expect(
      await run('deployment', 'create', '--update', 'acme-1', '--group', 'paris', '--plan', file),
    ).toBe(2);
    expect(err).toContain(`error: invalid plan in ${file}: phases.0.percent: the last phase (a)`);
    expect(seen).toHaveLength(0);
  });

  it('refuses --plan together with plan flags', async () => {
    const file = join(dir, 'plan.json');
    await writeFile(file, JSON.stringify({ phases: [{ name: 'all', percent: 100 }] }));
    const code = await run(
      'deployment',
      'create',
      '--update',
      'acme-1',
      '--group',
      'paris',
      '--plan',
      file,
      '--phases',
      'a:50%,b:100%',
      '--soak',
      '1h',
    );
    expect(code).toBe(2);
    expect(err).toBe(
      'error: --plan cannot be combined with --phases, --soak: put those in the plan file, or leave out --plan\n',
    );
    expect(seen).toHaveLength(0);
  });
});

describe('deployment plan --dry-run', () => {
  it('posts the plan to the dry run and prints phases, computers and the unreached', async () => {
    const computer = (n: number) => ({
      id: `c${n}`,
      hostname: `pc-${n}`,
      earliestStartAt: '2026-11-28T16:00:00.000Z',
      why: 'next window of group paris (Sat 01:00 Asia/Tokyo)',
    });
    routes['POST /api/v1/deployments/dry-run'] = {
      status: 200,
      body: {
        phases: [
          {
            name: 'pilot',
            percent: 10,
            groups: [],
            earliestOpenAt: '2026-11-25T09:00:00.000Z',
            openWhy: 'available now',
            gate: '≥ 95% succeeded; halts above 5% failed',
            computers: [computer(1)],
          },
          {
            name: 'broad',
            percent: 100,
            groups: [],
            earliestOpenAt: '2026-11-26T09:00:00.000Z',
            openWhy: 'pilot opened + 1d soak',
            gate: 'last phase',
            computers: [2, 3, 4, 5].map(computer),
          },
        ],
        unreached: [{ id: 'c9', hostname: 'pc-9' }],
      },
    };
    const code = await run(
      'deployment',
      'plan',
      '--update',
      'acme-1',
      '--group',
      'paris',
      '--phases',
      'pilot:10%,broad:100%',
      '--max-failure',
      '5%',
      '--dry-run',
      '--limit',
      '2',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const { method, url, body } = sent();
    expect(`${method} ${url}`).toBe('POST /api/v1/deployments/dry-run');
    expect(body).toMatchObject({ update: 'acme-1', groups: ['paris'] });
    expect(out).toContain('Phase 1/2: pilot — 10%, 1 computer(s)');
    expect(out).toMatch(/Opens: +2026-11-25 09:00:00Z \(available now\)/);
    expect(out).toMatch(/Gate: +≥ 95% succeeded; halts above 5% failed/);
    expect(out).toMatch(
      /pc-1\s+2026-11-28 16:00:00Z\s+next window of group paris \(Sat 01:00 Asia\/Tokyo\)/,
    );
    expect(out).toContain('Phase 2/2: broad — 100%, 4 computer(s)');
    expect(out).toContain('pc-3');
    expect(out).not.toContain('pc-4');
    expect(out).toContain('  … and 2 more');
    expect(out).toContain('Not reached by any phase (1): pc-9');
  });
});

describe('deployment actions', () => {
  it.each(['halt', 'resume', 'revoke', 'rollback'] as const)(
    '%s posts the reason to its path and prints the new state',
    async (action) => {
      routes[`POST /api/v1/deployments/d1/${action}`] = {
        status: 200,
        body: view({ state: 'halted', stateReason: 'bad driver' }),
      };
      expect(await run('deployment', action, 'd1', '--reason', 'bad driver')).toBe(0);
      const { method, url, body } = sent();
      expect(`${method} ${url}`).toBe(`POST /api/v1/deployments/d1/${action}`);
      expect(body).toEqual({ reason: 'bad driver' });
      expect(out).toMatch(/State: +halted/);
      expect(out).toMatch(/Reason: +bad driver/);
    },
  );

  it('sends an empty body without --reason', async () => {
    routes['POST /api/v1/deployments/d1/resume'] = { status: 200, body: view() };
    expect(await run('deployment', 'resume', 'd1')).toBe(0);
    expect(sent().body).toEqual({});
    expect(out).toContain('Deployment d1 resumed.');
  });

  it('prints a refused rollback as one clear line and exits 1', async () => {
    routes['POST /api/v1/deployments/d1/rollback'] = {
      status: 409,
      body: {
        error: 'not-uninstallable',
        message: 'update acme-1 has no uninstall command, so it cannot be rolled back',
      },
    };
    expect(await run('deployment', 'rollback', 'd1')).toBe(1);
    expect(err).toBe(
      'error: update acme-1 has no uninstall command, so it cannot be rolled back (409 not-uninstallable)\n',
    );
    expect(out).toBe('');
  });

  it('promote posts to its path', async () => {
    routes['POST /api/v1/deployments/d1/promote'] = { status: 200, body: view() };
    expect(await run('deployment', 'promote', 'd1')).toBe(0);
    expect(`${sent().method} ${sent().url}`).toBe('POST /api/v1/deployments/d1/promote');
    expect(out).toContain('Deployment d1 promoted.');
  });

  it('redeploy sends failedOnly by default, or all with a new update', async () => {
    routes['POST /api/v1/deployments/d1/redeploy'] = { status: 200, body: view() };
    expect(await run('deployment', 'redeploy', 'd1')).toBe(0);
    expect(sent().body).toEqual({ failedOnly: true });
    expect(out).toContain('Deployment d1 re-advertised.');

    seen = [];
    out = '';
    routes['POST /api/v1/deployments/d1/redeploy'] = {
      status: 200,
      body: view({ id: 'd2', updateId: 'acme-2' }),
    };
    expect(
      await run('deployment', 'redeploy', 'd1', '--all', '--update', 'acme-2', '--reason', 'fix'),
    ).toBe(0);
    expect(sent().body).toEqual({ failedOnly: false, update: 'acme-2', reason: 'fix' });
    expect(out).toContain('Redeployed acme-2 as new deployment d2.');
  });

  it('redeploy refuses --all with --failed-only', async () => {
    expect(await run('deployment', 'redeploy', 'd1', '--all', '--failed-only')).toBe(2);
    expect(err).toBe('error: --failed-only and --all exclude each other: give one\n');
    expect(seen).toHaveLength(0);
  });
});

describe('deployment events', () => {
  const events = [
    {
      at: '2026-11-25T09:00:00.000Z',
      type: 'created',
      phase: null,
      message: 'created by admin',
      actor: 'admin',
    },
    {
      at: '2026-11-26T09:00:05.000Z',
      type: 'halted',
      phase: 'pilot',
      message: 'halted: failures 6.1% > 5% in pilot',
      actor: 'engine',
    },
  ];

  it('formats a table of time, type, phase, actor and message', () => {
    expect(formatEvents(events)).toBe(
      [
        'TIME                  TYPE     PHASE  ACTOR   MESSAGE',
        '2026-11-25 09:00:00Z  created  -      admin   created by admin',
        '2026-11-26 09:00:05Z  halted   pilot  engine  halted: failures 6.1% > 5% in pilot',
      ].join('\n'),
    );
    expect(formatEvents([])).toBe('(no events)');
  });

  it('gets the events, as a table or as the JSON array', async () => {
    routes['GET /api/v1/deployments/d1/events'] = { status: 200, body: events };
    expect(await run('deployment', 'events', 'd1')).toBe(0);
    expect(out).toBe(`${formatEvents(events)}\n`);
    out = '';
    expect(await run('deployment', 'events', 'd1', '--json')).toBe(0);
    expect(JSON.parse(out)).toEqual(events);
  });
});

describe('deployment list', () => {
  it('shows the state and the current phase', async () => {
    routes['GET /api/v1/deployments'] = {
      status: 200,
      body: [
        view({
          state: 'halted',
          phases: [
            { ...view().phases[0], name: 'pilot', percent: 10 },
            { ...view().phases[0], index: 1, name: 'broad', openedAt: null },
          ],
        }),
      ],
    };
    expect(await run('deployment', 'list')).toBe(0);
    expect(out).toMatch(/ID\s+UPDATE\s+GROUPS\s+STATE\s+PHASE\s+CREATED\s+PROGRESS/);
    expect(out).toMatch(/d1\s+acme-1\s+paris\s+halted\s+pilot \(1\/2\)\s+2026-11-25 09:00:00Z/);
  });
});
