import { describe, expect, it } from 'vitest';
import { captureOutput, runProgram as run, useFakeApi } from './cli.test-support.js';

const { routes, seen } = useFakeApi();
const io = captureOutput();

const point = {
  id: 'dp_1',
  site: 'tokyo',
  url: 'http://dp1:8081',
  order: 0,
  kind: 'managed',
  createdAt: '2026-12-03T10:00:00.000Z',
  lastSeenAt: null,
  files: { staged: 2, missing: 1, corrupt: 0 },
};

describe('ringmaster distribution-point', () => {
  it('registers a point with its URL as the argument and prints its token once', async () => {
    routes['POST /api/v1/distribution-points'] = {
      status: 201,
      body: { ...point, token: 'rmdp_secret' },
    };
    expect(
      await run(
        'distribution-point',
        'register',
        'http://dp1:8081',
        '--site',
        'tokyo',
        '--order',
        '0',
      ),
    ).toBe(0);
    expect(seen[0]?.body).toEqual({
      site: 'tokyo',
      url: 'http://dp1:8081',
      order: 0,
      kind: 'managed',
    });
    expect(io.out).toContain('rmdp_secret');
    expect(
      await run('distribution-point', 'register', 'http://files', '--site', 'osaka', '--static'),
    ).toBe(0);
    expect(seen[1]?.body).toMatchObject({ kind: 'static' });
  });

  it('refuses a bad order or a missing site before any call, with a non-zero exit', async () => {
    expect(
      await run('distribution-point', 'register', 'http://dp1', '--site', 'x', '--order', '-1'),
    ).not.toBe(0);
    expect(await run('distribution-point', 'register', 'http://dp1')).not.toBe(0);
    expect(io.err).toContain('--order');
    expect(seen).toEqual([]);
  });

  it('prints the API refusal naming the field', async () => {
    routes['POST /api/v1/distribution-points'] = {
      status: 400,
      body: {
        error: 'validation-error',
        message: 'url: an http:// or https:// URL without a query',
        details: {
          issues: [{ field: 'url', message: 'an http:// or https:// URL without a query' }],
        },
      },
    };
    expect(await run('distribution-point', 'register', 'ftp://dp1', '--site', 'x')).not.toBe(0);
    expect(io.err).toContain('url');
  });

  it('lists points with their staged counts, and sites', async () => {
    routes['GET /api/v1/distribution-points'] = {
      status: 200,
      body: { items: [point], nextCursor: null, total: 1 },
    };
    expect(await run('distribution-point', 'list'), io.err + JSON.stringify(seen)).toBe(0);
    expect(io.out).toMatch(
      /dp_1\s+tokyo\s+0\s+managed\s+http:\/\/dp1:8081\s+2 staged, 1 missing, 0 corrupt/,
    );
    routes['GET /api/v1/sites'] = {
      status: 200,
      body: { items: [{ name: 'tokyo', computers: 12, points: 1 }], nextCursor: null, total: 1 },
    };
    expect(await run('site', 'list')).toBe(0);
    expect(io.out).toMatch(/tokyo\s+12\s+1/);
  });

  it('tells what a deployment waits for, per site', async () => {
    routes['GET /api/v1/content-status?deployment=dep_1'] = {
      status: 200,
      body: {
        deployments: [
          {
            id: 'dep_1',
            state: 'active',
            files: 2,
            ready: false,
            waitingFor:
              'phase pilot is waiting for content: site tokyo: dp_1 lacks a.msi (corrupt)',
            sites: [
              {
                site: 'tokyo',
                computers: 3,
                servedBy: 'points',
                points: [{ id: 'dp_1', kind: 'managed', url: 'http://dp1', staged: 1 }],
                gaps: [
                  {
                    pointId: 'dp_1',
                    sha256: 'a'.repeat(64),
                    path: 'a.msi',
                    state: 'corrupt',
                    detail: null,
                  },
                ],
              },
              { site: null, computers: 1, servedBy: 'server', points: [], gaps: [] },
            ],
          },
        ],
      },
    };
    expect(await run('content', 'status', 'dep_1')).toBe(0);
    expect(io.out).toContain('waiting for content');
    expect(io.out).toMatch(/tokyo\s+3\s+points\s+dp_1 managed \(1\/2\)\s+dp_1: a.msi corrupt/);
    expect(io.out).toMatch(/-\s+1\s+server/);
  });
});

describe('ringmaster site rule', () => {
  const rule = {
    id: 'srl_1',
    cidr: '10.1.0.0/16',
    site: 'tokyo',
    createdAt: '2026-12-06T10:00:00.000Z',
    createdBy: 'alice',
    computers: 3,
  };

  it('adds a rule, lists and removes it, saying how many computers moved', async () => {
    routes['POST /api/v1/sites/rules'] = { status: 201, body: { ...rule, moved: 3 } };
    expect(await run('site', 'rule', 'add', '10.1.0.0/16', 'tokyo')).toBe(0);
    expect(seen[0]?.body).toEqual({ cidr: '10.1.0.0/16', site: 'tokyo' });
    expect(io.out).toContain('Rule srl_1: 10.1.0.0/16 → tokyo (3 computers moved)');
    routes['GET /api/v1/sites/rules'] = { status: 200, body: { items: [rule] } };
    expect(await run('site', 'rule', 'list')).toBe(0);
    expect(io.out).toMatch(/srl_1\s+10\.1\.0\.0\/16\s+tokyo\s+3\s+2026-12-06 10:00:00Z\s+alice/);
    routes['DELETE /api/v1/sites/rules/srl_1'] = { status: 200, body: { ...rule, moved: 1 } };
    expect(await run('site', 'rule', 'remove', 'srl_1')).toBe(0);
    expect(seen[2]?.method).toBe('DELETE');
    expect(io.out).toContain('Removed rule srl_1: 10.1.0.0/16 → tokyo (1 computer moved)');
  });

  it('refuses a bad subnet before any call, and prints the refusal of an unknown rule', async () => {
    expect(await run('site', 'rule', 'add', '10.1.2.3/16', 'tokyo')).toBe(2);
    expect(io.err).toContain('host bits are set: the subnet is 10.1.0.0/16');
    expect(seen).toEqual([]);
    routes['DELETE /api/v1/sites/rules/srl_x'] = {
      status: 404,
      body: { error: 'not-found', message: 'site rule "srl_x" was not found' },
    };
    expect(await run('site', 'rule', 'remove', 'srl_x')).not.toBe(0);
    expect(io.err).toContain('site rule "srl_x" was not found');
  });
});
