import { describe, expect, it } from 'vitest';
import { captureOutput, runProgram as run, useFakeApi, type Seen } from './cli.test-support.js';
import { formatEvents } from './deployment-format.js';
import { sentOnce, view } from './deployment.test-fixtures.js';

const { routes, seen } = useFakeApi();
const io = captureOutput();

/** The one request the command sent, as `METHOD path` and its JSON body. */
const sent = (): Seen => sentOnce(seen);

/** The body of the one request the command sent, once checked it went to `METHOD path`. */
function sentTo(route: string): unknown {
  const { method, url, body } = sent();
  expect(`${method} ${url}`).toBe(route);
  return body;
}

describe('deployment actions', () => {
  it.each(['halt', 'resume', 'revoke', 'rollback'] as const)(
    '%s posts the reason to its path and prints the new state',
    async (action) => {
      routes[`POST /api/v1/deployments/d1/${action}`] = {
        status: 200,
        body: view({ state: 'halted', stateReason: 'bad driver' }),
      };
      expect(await run('deployment', action, 'd1', '--reason', 'bad driver')).toBe(0);
      expect(sentTo(`POST /api/v1/deployments/d1/${action}`)).toEqual({ reason: 'bad driver' });
      expect(io.out).toMatch(/State: +halted/);
      expect(io.out).toMatch(/Reason: +bad driver/);
    },
  );

  it('sends an empty body without --reason', async () => {
    routes['POST /api/v1/deployments/d1/resume'] = { status: 200, body: view() };
    expect(await run('deployment', 'resume', 'd1')).toBe(0);
    expect(sent().body).toEqual({});
    expect(io.out).toContain('Deployment d1 resumed.');
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
    expect(io.err).toBe(
      'error: update acme-1 has no uninstall command, so it cannot be rolled back (409 not-uninstallable)\n',
    );
    expect(io.out).toBe('');
  });

  it('promote posts to its path', async () => {
    routes['POST /api/v1/deployments/d1/promote'] = { status: 200, body: view() };
    expect(await run('deployment', 'promote', 'd1')).toBe(0);
    sentTo('POST /api/v1/deployments/d1/promote');
    expect(io.out).toContain('Deployment d1 promoted.');
  });

  it('redeploy sends failedOnly by default, or all with a new update', async () => {
    routes['POST /api/v1/deployments/d1/redeploy'] = { status: 200, body: view() };
    expect(await run('deployment', 'redeploy', 'd1')).toBe(0);
    expect(sent().body).toEqual({ failedOnly: true });
    expect(io.out).toContain('Deployment d1 re-advertised.');

    seen.length = 0;
    io.out = '';
    routes['POST /api/v1/deployments/d1/redeploy'] = {
      status: 200,
      body: view({ id: 'd2', updateId: 'acme-2' }),
    };
    expect(
      await run('deployment', 'redeploy', 'd1', '--all', '--update', 'acme-2', '--reason', 'fix'),
    ).toBe(0);
    expect(sent().body).toEqual({ failedOnly: false, update: 'acme-2', reason: 'fix' });
    expect(io.out).toContain('Redeployed acme-2 as new deployment d2.');
  });

  it('redeploy refuses --all with --failed-only', async () => {
    expect(await run('deployment', 'redeploy', 'd1', '--all', '--failed-only')).toBe(2);
    expect(io.err).toBe('error: --failed-only and --all exclude each other: give one\n');
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
    const page = { items: events, nextCursor: null, total: events.length };
    routes['GET /api/v1/deployments/d1/events'] = { status: 200, body: page };
    expect(await run('deployment', 'events', 'd1')).toBe(0);
    expect(io.out).toBe(`${formatEvents(events)}\nshowing 2 of 2\n`);
    io.out = '';
    expect(await run('deployment', 'events', 'd1', '--json')).toBe(0);
    expect(JSON.parse(io.out)).toEqual(page);
  });
});

describe('deployment list', () => {
  it('shows the state and the current phase', async () => {
    routes['GET /api/v1/deployments'] = {
      status: 200,
      body: {
        nextCursor: null,
        total: 1,
        items: [
          view({
            state: 'halted',
            phases: [
              { ...view().phases[0], name: 'pilot', percent: 10 },
              { ...view().phases[0], index: 1, name: 'broad', openedAt: null },
            ],
          }),
        ],
      },
    };
    expect(await run('deployment', 'list')).toBe(0);
    expect(io.out).toMatch(/ID\s+UPDATE\s+GROUPS\s+STATE\s+PHASE\s+CREATED\s+PROGRESS/);
    expect(io.out).toMatch(/d1\s+acme-1\s+paris\s+halted\s+pilot \(1\/2\)\s+2026-11-25 09:00:00Z/);
  });
});
