import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { FailureReportView, ProgressReportView } from '../contracts/report.js';
import { emptyCounts } from '../domain/status.js';
import { captureOutput, runProgram as run, useFakeApi } from './cli.test-support.js';
import { formatStale } from './report-format.js';

const { routes, seen } = useFakeApi();
const io = captureOutput();

const failures: FailureReportView = {
  deploymentId: 'd1',
  reason: null,
  target: 150,
  failedComputers: 12,
  reasons: [
    { reason: 'install-error', failures: 10, percent: 83.33333333333333 },
    { reason: 'disk-space', failures: 2, percent: 16.666666666666668 },
  ],
  clusters: [
    {
      attribute: 'site',
      value: 'osaka, "north"',
      failed: 12,
      failedPercent: 100,
      target: 12,
      targetPercent: 8,
      pValue: 1.1e-17,
      summary: '12 of 12 failures on site osaka, "north", which holds 8% of the target',
    },
  ],
  children: [
    { name: 'tokyo', failedComputers: 3, reasons: [{ reason: 'disk-space', failures: 4 }] },
  ],
};

const counts = (over: Partial<ReturnType<typeof emptyCounts>>) => ({ ...emptyCounts(), ...over });
const progress: ProgressReportView = {
  deploymentId: 'd1',
  points: [
    {
      at: '2026-06-01T00:00:00.000Z',
      phases: [
        { name: 'pilot', counts: counts({ pending: 2 }) },
        { name: 'broad', counts: counts({ pending: 18 }) },
      ],
      total: counts({ pending: 20 }),
    },
    {
      at: '2026-06-01T01:00:00.000Z',
      phases: [
        { name: 'pilot', counts: counts({ installed: 1, failed: 1 }) },
        { name: 'broad', counts: counts({ pending: 18 }) },
      ],
      total: counts({ pending: 18, installed: 1, failed: 1 }),
    },
  ],
};

describe('report failures', () => {
  it('prints the reasons and the clusters as tables', async () => {
    routes['GET /api/v1/deployments/d1/failures'] = { status: 200, body: failures };
    expect(await run('report', 'failures', 'd1')).toBe(0);
    expect(io.out).toContain('Deployment d1: 12 of 150 target computers failed.');
    expect(io.out).toMatch(/install-error +10 +83\.3%/);
    expect(io.out).toContain('which holds 8% of the target');
    expect(io.out).toContain('1.1e-17');
    expect(io.out).toMatch(/tokyo +3 +disk-space 4/);
  });

  it('writes CSV that parses back to the same figures', async () => {
    routes['GET /api/v1/deployments/d1/failures?reason=install-error'] = {
      status: 200,
      body: { ...failures, reason: 'install-error' },
    };
    expect(
      await run('report', 'failures', 'd1', '--format', 'csv', '--reason', 'install-error'),
    ).toBe(0);
    expect(seen[0]?.url).toBe('/api/v1/deployments/d1/failures?reason=install-error');
    const rows = parse<Record<string, string>>(io.out, { columns: true });
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      kind: 'reason',
      attribute: 'reason',
      value: 'install-error',
      failed: '10',
      failed_percent: String(83.33333333333333),
      target: '',
      target_percent: '',
      p_value: '',
    });
    expect(rows[2]).toMatchObject({
      kind: 'cluster',
      attribute: 'site',
      value: 'osaka, "north"',
      failed: '12',
      target: '12',
    });
    expect(Number(rows[2]?.p_value)).toBe(1.1e-17);
  });

  it('refuses an unknown format before connecting', async () => {
    expect(await run('report', 'failures', 'd1', '--format', 'xml')).toBe(2);
    expect(io.err).toContain('--format: "xml" must be table, csv or json');
    expect(seen).toHaveLength(0);
  });
});

describe('report progress', () => {
  it('writes one CSV row per point and phase, and the total', async () => {
    routes['GET /api/v1/deployments/d1/progress'] = { status: 200, body: progress };
    expect(await run('report', 'progress', 'd1', '--format', 'csv')).toBe(0);
    const rows = parse<Record<string, string>>(io.out, { columns: true });
    expect(rows.map((r) => [r.at, r.phase, r.pending, r.installed, r.failed])).toEqual([
      ['2026-06-01T00:00:00.000Z', 'pilot', '2', '0', '0'],
      ['2026-06-01T00:00:00.000Z', 'broad', '18', '0', '0'],
      ['2026-06-01T00:00:00.000Z', '(total)', '20', '0', '0'],
      ['2026-06-01T01:00:00.000Z', 'pilot', '0', '1', '1'],
      ['2026-06-01T01:00:00.000Z', 'broad', '18', '0', '0'],
      ['2026-06-01T01:00:00.000Z', '(total)', '18', '1', '1'],
    ]);
  });

  it('prints the totals as a table, and JSON as sent', async () => {
    routes['GET /api/v1/deployments/d1/progress'] = { status: 200, body: progress };
    expect(await run('report', 'progress', 'd1')).toBe(0);
    expect(io.out).toMatch(/AT +PENDING +INSTALLED +FAILED/);
    expect(io.out).toMatch(/2026-06-01 01:00:00Z +18 +1 +1/);
    io.out = '';
    expect(await run('report', 'progress', 'd1', '--format', 'json')).toBe(0);
    expect(JSON.parse(io.out)).toEqual(progress);
  });
});

describe('report stale', () => {
  it('prints each computer that needs investigation with how long ago it last succeeded', () => {
    const text = formatStale([
      {
        computerId: 'c1',
        hostname: 'pc-1',
        deploymentId: 'd1',
        updateId: 'acme-1',
        state: 'failed',
        lastSeenAt: '2026-06-09T00:00:00.000Z',
        stale: {
          since: '2026-06-01T00:00:00.000Z',
          lastSucceededAt: null,
          ageSeconds: 9 * 86_400,
          recurrenceSeconds: 7 * 86_400,
          message: 'needs investigation',
        },
      },
    ]);
    expect(text).toMatch(/pc-1\s+acme-1\s+d1\s+failed\s+never\s+9d\s+7d\s+2026-06-09 00:00:00Z/);
    expect(formatStale([])).toBe('No computer needs investigation.');
  });
});
