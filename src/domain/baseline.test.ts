import { describe, expect, it } from 'vitest';
import {
  baselineCompliance,
  gapState,
  lastScanAt,
  type BaselineComplianceInput,
  type BaselineScan,
  type BaselineStatus,
} from './baseline.js';

const now = Date.parse('2026-12-04T12:00:00Z');
const minute = 60_000;
const linux = [{ os: 'linux' }];
const windows = [{ os: 'windows' }];

function scan(result: BaselineScan['result'], at: number, message: string | null = null) {
  return { result, message, detectedAt: at, changedAt: at - 5 * minute };
}

function input(
  scans: Record<string, BaselineScan>,
  statuses: Record<string, BaselineStatus> = {},
  computers: BaselineComplianceInput['computers'] = [
    { id: 'c1', hostname: 'web-1', os: 'linux', arch: 'x64', scannedAt: now - minute },
  ],
): BaselineComplianceInput {
  return {
    updates: [
      { id: 'A', platforms: linux },
      { id: 'B', platforms: linux },
      { id: 'W', platforms: windows },
    ],
    computers,
    scan: (c, u) => scans[`${c}/${u}`],
    status: (c, u) => statuses[`${c}/${u}`],
    staleAfterMs: 10 * minute,
  };
}

describe('compliance to a baseline, pure', () => {
  it('is compliant when the scan finds every update that applies; one that does not apply counts as compliant', () => {
    const result = baselineCompliance(
      input({ 'c1/A': scan('found', now - minute), 'c1/B': scan('found', now - minute) }),
      now,
    );
    expect(result.computers).toEqual([
      expect.objectContaining({ state: 'compliant', installed: 2, notApplicable: 1, gaps: [] }),
    ]);
    expect(result.totals).toEqual({ computers: 1, compliant: 1, 'non-compliant': 0, unknown: 0 });
    expect(result.updates.find((u) => u.updateId === 'W')).toMatchObject({ 'not-applicable': 1 });
  });

  it('names each missing update and why: the scan says missing, or the install failed with its reason', () => {
    const failed: BaselineStatus = {
      state: 'failed',
      reason: 'disk-space',
      exitCode: 112,
      message: 'only 20 MB free',
      updatedAt: now - 2 * minute,
    };
    const postponed: BaselineStatus = {
      state: 'awaiting-user',
      reason: 'user-postponed',
      exitCode: null,
      message: 'postponed until tomorrow',
      updatedAt: now - 3 * minute,
    };
    const result = baselineCompliance(
      input(
        { 'c1/A': scan('not-found', now - minute), 'c1/B': scan('not-found', now - minute) },
        { 'c1/A': failed, 'c1/B': postponed },
      ),
      now,
    );
    const [c] = result.computers;
    expect(c?.state).toBe('non-compliant');
    expect(c?.gaps).toEqual([
      expect.objectContaining({
        updateId: 'A',
        kind: 'install-failed',
        status: 'failed',
        reason: 'disk-space',
        exitCode: 112,
        since: now - 2 * minute,
      }),
      expect.objectContaining({
        updateId: 'B',
        kind: 'missing',
        status: 'awaiting-user',
        reason: 'user-postponed',
        since: now - 6 * minute,
      }),
    ]);
    expect(c?.gaps[0]?.why).toMatch(
      /install failed .*disk-space, exit code 112\): only 20 MB free/,
    );
    expect(c?.gaps[1]?.why).toMatch(/the scan does not find it since .*\(user-postponed\)/);
    expect(result.totals['non-compliant']).toBe(1);
  });

  it('is unknown when never scanned, when the scan is too old to trust, or when the rule could not tell', () => {
    const computers = [
      { id: 'never', hostname: 'a', os: 'linux', arch: 'x64', scannedAt: null },
      { id: 'old', hostname: 'b', os: 'linux', arch: 'x64', scannedAt: now - 60 * minute },
      { id: 'err', hostname: 'c', os: 'linux', arch: 'x64', scannedAt: now - minute },
    ];
    const result = baselineCompliance(
      input(
        {
          'old/A': scan('found', now - 60 * minute),
          'old/B': scan('not-found', now - 60 * minute),
          'err/A': scan('found', now - minute),
          'err/B': scan('error', now - minute, 'registry unreadable'),
        },
        {},
        computers,
      ),
      now,
    );
    const by = Object.fromEntries(result.computers.map((c) => [c.computerId, c]));
    expect(by.never?.state).toBe('unknown');
    expect(by.never?.gaps.map((g) => g.kind)).toEqual(['never-scanned', 'never-scanned']);
    // A stale scan is not trusted either way: even its "found" is unknown.
    expect(by.old?.gaps.map((g) => g.kind)).toEqual(['stale-scan', 'stale-scan']);
    expect(by.old?.gaps[0]?.why).toMatch(/longer ago than the 10m a scan is trusted/);
    expect(by.err?.gaps).toEqual([
      expect.objectContaining({
        updateId: 'B',
        kind: 'scan-error',
        message: 'registry unreadable',
      }),
    ]);
    expect(result.totals).toEqual({ computers: 3, compliant: 0, 'non-compliant': 0, unknown: 3 });
  });

  it('a failed install is non-compliant even before any scan, and non-compliant outweighs unknown', () => {
    const failed: BaselineStatus = {
      state: 'failed',
      reason: 'install-error',
      exitCode: 1,
      message: null,
      updatedAt: now - minute,
    };
    const result = baselineCompliance(
      input({ 'c1/B': scan('error', now - minute) }, { 'c1/A': failed }),
      now,
    );
    expect(result.computers[0]?.state).toBe('non-compliant');
    expect(result.computers[0]?.gaps.map((g) => [g.updateId, g.kind])).toEqual([
      ['A', 'install-failed'],
      ['B', 'scan-error'],
    ]);
    expect(result.computers[0]?.gaps[0]?.why).toMatch(/^not scanned yet; install failed/);
  });

  it('counts per update, orders computers by hostname, and tells gap kinds to states', () => {
    const computers = [
      { id: 'z', hostname: 'zed', os: 'linux', arch: 'x64', scannedAt: now },
      { id: 'y', hostname: 'amy', os: 'windows', arch: 'x64', scannedAt: now },
    ];
    const result = baselineCompliance(
      input(
        { 'z/A': scan('found', now), 'z/B': scan('not-found', now), 'y/W': scan('found', now) },
        {},
        computers,
      ),
      now,
    );
    expect(result.computers.map((c) => c.hostname)).toEqual(['amy', 'zed']);
    expect(result.updates).toEqual([
      { updateId: 'A', compliant: 1, 'non-compliant': 0, unknown: 0, 'not-applicable': 1 },
      { updateId: 'B', compliant: 0, 'non-compliant': 1, unknown: 0, 'not-applicable': 1 },
      { updateId: 'W', compliant: 1, 'non-compliant': 0, unknown: 0, 'not-applicable': 1 },
    ]);
    expect(gapState('missing')).toBe('non-compliant');
    expect(gapState('stale-scan')).toBe('unknown');
    expect(lastScanAt(null, [scan('found', 5), scan('found', 9)])).toBe(9);
    expect(lastScanAt(20, [scan('found', 5)])).toBe(20);
  });
});
