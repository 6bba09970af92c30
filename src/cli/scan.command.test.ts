import { describe, expect, it } from 'vitest';
import { captureOutput, runProgram as run, useFakeApi } from './cli.test-support.js';

const { routes, seen } = useFakeApi();
const io = captureOutput();

const row = (key: string, counts: Partial<Record<string, number>>) => ({
  key,
  computerId: null,
  installed: 0,
  required: 0,
  failed: 0,
  'not-applicable': 0,
  unknown: 0,
  ...counts,
});

describe('ringmaster scan', () => {
  it('asks one computer, or a group, to scan', async () => {
    routes['POST /api/v1/scans'] = { status: 202, body: { computers: 3 } };
    expect(await run('scan', 'pc-1')).toBe(0);
    expect(await run('scan', '--group', 'tokyo')).toBe(0);
    expect(seen.map((s) => s.body)).toEqual([{ computer: 'pc-1' }, { group: 'tokyo' }]);
    expect(io.out).toContain('Asked 3 computer(s) of group tokyo to scan');
  });

  it('refuses neither or both of a computer and --group, before any call', async () => {
    expect(await run('scan')).toBe(2);
    expect(await run('scan', 'pc-1', '--group', 'tokyo')).toBe(2);
    expect(io.err).toContain('give a computer or --group NAME');
    expect(seen).toEqual([]);
  });
});

describe('ringmaster report', () => {
  it('prints compliance by group as a table, and as JSON', async () => {
    routes['GET /api/v1/reports/compliance?by=group'] = {
      status: 200,
      body: {
        by: 'group',
        generatedAt: '2026-12-03T10:00:00.000Z',
        rows: [row('tokyo', { installed: 7, required: 2, unknown: 1 })],
      },
    };
    expect(await run('report', 'compliance', '--by', 'group')).toBe(0);
    expect(io.out).toMatch(/GROUP\s+INSTALLED\s+REQUIRED\s+FAILED\s+NOT-APPLICABLE\s+UNKNOWN/);
    expect(io.out).toMatch(/tokyo\s+7\s+2\s+0\s+0\s+1/);
    io.out = '';
    expect(await run('report', 'compliance', '--by', 'group', '--format', 'json')).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({
      by: 'group',
      rows: [{ key: 'tokyo', installed: 7 }],
    });
  });

  it('refuses an unknown --by', async () => {
    expect(await run('report', 'compliance', '--by', 'site')).not.toBe(0);
    expect(io.err).toContain('site');
    expect(seen).toEqual([]);
  });

  it('lists discrepancies with both facts and their times', async () => {
    routes['GET /api/v1/reports/discrepancies'] = {
      status: 200,
      body: [
        {
          computerId: 'c1',
          hostname: 'pc-1',
          updateId: 'RM-1',
          deploymentId: 'd1',
          status: 'installed',
          statusAt: '2026-12-01T10:00:00.000Z',
          scan: 'not-found',
          scanChangedAt: '2026-12-02T10:00:00.000Z',
          scanDetectedAt: '2026-12-03T10:00:00.000Z',
        },
      ],
    };
    expect(await run('report', 'discrepancies')).toBe(0);
    expect(io.out).toMatch(
      /pc-1\s+RM-1\s+installed\s+2026-12-01 10:00:00Z\s+not-found\s+2026-12-02 10:00:00Z\s+2026-12-03 10:00:00Z\s+d1/,
    );
  });
});
