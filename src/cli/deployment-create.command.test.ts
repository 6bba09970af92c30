import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  captureOutput,
  runProgram as run,
  useFakeApi,
  useTempDir,
  type Seen,
} from './cli.test-support.js';
import { counts, sentOnce, view } from './deployment.test-fixtures.js';

const { routes, seen } = useFakeApi();
const io = captureOutput();
const tmp = useTempDir('ringmaster-deployment-');

/** The one request the command sent, as `METHOD path` and its JSON body. */
const sent = (): Seen => sentOnce(seen);

/** The body of the one request the command sent, once checked it went to `METHOD path`. */
function sentTo(route: string): unknown {
  const { method, url, body } = sent();
  expect(`${method} ${url}`).toBe(route);
  return body;
}

/** `ringmaster deployment <command> --update acme-1 --group paris …flags`. */
const deploy = (command: 'create' | 'plan', ...flags: string[]) =>
  run('deployment', command, '--update', 'acme-1', '--group', 'paris', ...flags);

/** Writes a plan file into the test's directory and gives its path. */
async function planFile(name: string, text: string): Promise<string> {
  const file = join(tmp.dir, name);
  await writeFile(file, text);
  return file;
}

describe('deployment create', () => {
  beforeEach(() => {
    routes['POST /api/v1/deployments'] = { status: 201, body: view() };
  });

  it('builds the plan from the flags and sends update, groups and plan', async () => {
    const code = await deploy(
      'create',
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
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(sentTo('POST /api/v1/deployments')).toMatchObject({
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
        noAutoRestartWhileLoggedOn: false,
      },
    });
    // Without --policy the plan sets none: the computers' groups decide.
    expect((sent().body as { plan: object }).plan).not.toHaveProperty('policy');
    expect(io.out).toContain('Created deployment d1.');
    expect(io.out).toMatch(/1\s+all\s+100%\s+2026-11-25 09:00:00Z\s+2\s+2\s+0/);
  });

  it('sends the policy, retry and restart flags', async () => {
    const code = await deploy(
      'create',
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

  it('sends several updates with a repeated --update, one as update', async () => {
    expect(await deploy('create', '--update', 'acme-2', '--update', 'acme-1')).toBe(0);
    expect(sentTo('POST /api/v1/deployments')).toMatchObject({ updates: ['acme-1', 'acme-2'] });
    seen.length = 0;
    expect(await deploy('create')).toBe(0);
    const one = sentTo('POST /api/v1/deployments');
    expect(one).toMatchObject({ update: 'acme-1' });
    expect(one).not.toHaveProperty('updates');
  });

  it('shows the counts of each update of a deployment of several', async () => {
    routes['GET /api/v1/deployments/d1'] = {
      status: 200,
      body: view({
        updates: ['acme-1', 'acme-2'],
        countsByUpdate: { 'acme-1': counts({ installed: 2 }), 'acme-2': counts({ failed: 2 }) },
        counts: counts({ installed: 2, failed: 2 }),
        total: 4,
      }),
    };
    routes['GET /api/v1/deployments/d1/computers'] = {
      status: 200,
      body: { items: [], nextCursor: null, total: 0 },
    };
    expect(await run('deployment', 'show', 'd1')).toBe(0);
    expect(io.out).toContain('acme-1, acme-2');
    expect(io.out).toMatch(/acme-2:\s+failed 2 \(of 2\)/);
  });

  it('sends allowDuplicate only with --allow-duplicate', async () => {
    expect(await deploy('create')).toBe(0);
    expect(sentTo('POST /api/v1/deployments')).not.toHaveProperty('allowDuplicate');
    seen.length = 0;
    expect(await deploy('create', '--allow-duplicate')).toBe(0);
    expect(sentTo('POST /api/v1/deployments')).toMatchObject({ allowDuplicate: true });
  });

  it('sends an emergency with its reason', async () => {
    const code = await deploy(
      'create',
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
    expect(await deploy('create', '--emergency')).toBe(2);
    expect(io.err).toBe('error: --emergency needs --reason "why", which every event will show\n');
    expect(seen).toHaveLength(0);
  });

  it('names the bad field of an impossible plan and exits 2, sending nothing', async () => {
    const code = await deploy('create', '--phases', 'pilot:150%,broad:100%');
    expect(code).toBe(2);
    expect(io.err).toMatch(/^error: invalid plan: phases\.0\.percent: 150% is more than 100%/);
    expect(seen).toHaveLength(0);

    io.err = '';
    expect(
      await run('deployment', 'create', '--update', 'a', '--group', 'g', '--soak', 'a while'),
    ).toBe(2);
    expect(io.err).toContain('soakSeconds: --soak "a while" is not a duration like 30m, 24h');
    expect(seen).toHaveLength(0);
  });

  it('reads the plan from a YAML file', async () => {
    const file = await planFile(
      'plan.yaml',
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
    expect(await deploy('create', '--plan', file)).toBe(0);
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
    expect((sent().body as { plan: object }).plan).not.toHaveProperty('policy');
  });

  it('sends the policy a plan file sets', async () => {
    const file = await planFile(
      'plan.json',
      '{"phases":[{"name":"all","percent":100}],"policy":"notify"}',
    );
    expect(await deploy('create', '--plan', file)).toBe(0);
    expect(sent().body).toMatchObject({ plan: { policy: 'notify' } });
  });

  it('names the field of a bad plan file', async () => {
    const file = await planFile(
      'plan.json',
      JSON.stringify({ phases: [{ name: 'a', percent: 50 }] }),
    );
    expect(await deploy('create', '--plan', file)).toBe(2);
    expect(io.err).toContain(
      `error: invalid plan in ${file}: phases.0.percent: the last phase (a)`,
    );
    expect(seen).toHaveLength(0);
  });

  it('refuses --plan together with plan flags', async () => {
    const file = await planFile(
      'plan.json',
      JSON.stringify({ phases: [{ name: 'all', percent: 100 }] }),
    );
    const code = await deploy('create', '--plan', file, '--phases', 'a:50%,b:100%', '--soak', '1h');
    expect(code).toBe(2);
    expect(io.err).toBe(
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
    const code = await deploy(
      'plan',
      '--phases',
      'pilot:10%,broad:100%',
      '--max-failure',
      '5%',
      '--dry-run',
      '--limit',
      '2',
    );
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(sentTo('POST /api/v1/deployments/dry-run')).toMatchObject({
      update: 'acme-1',
      groups: ['paris'],
    });
    expect(io.out).toContain('Phase 1/2: pilot — 10%, 1 computer(s)');
    expect(io.out).toMatch(/Opens: +2026-11-25 09:00:00Z \(available now\)/);
    expect(io.out).toMatch(/Gate: +≥ 95% succeeded; halts above 5% failed/);
    expect(io.out).toMatch(
      /pc-1\s+2026-11-28 16:00:00Z\s+next window of group paris \(Sat 01:00 Asia\/Tokyo\)/,
    );
    expect(io.out).toContain('Phase 2/2: broad — 100%, 4 computer(s)');
    expect(io.out).toContain('pc-3');
    expect(io.out).not.toContain('pc-4');
    expect(io.out).toContain('  … and 2 more');
    expect(io.out).toContain('Not reached by any phase (1): pc-9');
  });
});
