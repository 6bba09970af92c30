import { describe, expect, it } from 'vitest';
import { formatChange, instantFlag } from './audit.command.js';
import { captureOutput, runProgram as run, useFakeApi } from './cli.test-support.js';

const { routes, seen } = useFakeApi();
const io = captureOutput();

const entry = {
  id: 7,
  at: '2026-12-03T09:00:00.000Z',
  actor: 'alice',
  tokenId: 'tok_1',
  role: 'admin',
  from: '192.0.2.1',
  action: 'haltDeployment',
  method: 'POST',
  path: '/api/v1/deployments/dep_1/halt',
  target: { id: 'dep_1' },
  body: { reason: 'looks wrong' },
  status: 200,
  error: null,
  message: null,
  before: { state: 'active' },
  after: { state: 'halted', event: { id: 'evt_1' } },
};

describe('ringmaster audit', () => {
  it('prints a table with the change, and where older entries continue', async () => {
    routes['GET /api/v1/audit?actor=alice&limit=50'] = {
      status: 200,
      body: {
        items: [
          entry,
          {
            ...entry,
            id: 6,
            status: 401,
            error: 'unauthorized',
            actor: null,
            before: null,
            after: null,
          },
        ],
        nextCursor: '6',
      },
    };
    expect(await run('audit', '--actor', 'alice')).toBe(0);
    expect(io.out).toMatch(/^ID\s+AT\s+ACTOR\s+ACTION\s+TARGET\s+OUTCOME\s+FROM\s+CHANGE/);
    expect(io.out).toContain('alice');
    expect(io.out).toContain('state: active → halted');
    expect(io.out).toContain('401 unauthorized');
    expect(io.out).toContain('older entries: --cursor 6');
  });

  it('sends --since as an instant, with --action, --target, --limit and --cursor', async () => {
    routes[
      'GET /api/v1/audit?since=2026-12-01T09%3A00%3A00.000Z&action=haltDeployment&target=dep_1&limit=5&cursor=9'
    ] = { status: 200, body: { items: [entry], nextCursor: null } };
    const args = ['--since', '2026-12-01T09:00:00Z', '--action', 'haltDeployment'];
    expect(
      await run('audit', ...args, '--target', 'dep_1', '--limit', '5', '--cursor', '9', '--json'),
    ).toBe(0);
    expect(JSON.parse(io.out)).toEqual({ items: [entry], nextCursor: null });
    expect(seen).toHaveLength(1);
  });

  it('refuses a --since that is neither a duration nor a time, and a bad --limit (exit 2)', async () => {
    expect(await run('audit', '--since', 'yesterday')).toBe(2);
    expect(io.err).toMatch(/--since: "yesterday"/);
    expect(await run('audit', '--limit', '0')).not.toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('exports JSON oldest first, page after page', async () => {
    routes['GET /api/v1/audit?limit=1000'] = {
      status: 200,
      body: { items: [entry], nextCursor: '7' },
    };
    routes['GET /api/v1/audit?limit=1000&cursor=7'] = {
      status: 200,
      body: { items: [{ ...entry, id: 3 }], nextCursor: null },
    };
    expect(await run('audit', 'export', '--format', 'json')).toBe(0);
    expect((JSON.parse(io.out) as { id: number }[]).map((e) => e.id)).toEqual([3, 7]);
  });
});

describe('audit flags', () => {
  it('reads a duration as that long ago, and an ISO time as itself', () => {
    const now = Date.parse('2026-12-03T10:00:00Z');
    expect(instantFlag('--since', '1h', now)).toBe('2026-12-03T09:00:00.000Z');
    expect(instantFlag('--since', '2026-12-01', now)).toBe('2026-12-01T00:00:00.000Z');
  });

  it('summarizes what changed, field by field', () => {
    expect(formatChange({ state: 'active' }, { state: 'halted', event: {} })).toBe(
      'state: active → halted',
    );
    expect(formatChange({ policy: null }, { policy: 'notify' })).toBe('policy: null → notify');
    expect(formatChange(null, { id: 'x' })).toBe('-');
    expect(formatChange(null, null)).toBe('-');
  });
});
