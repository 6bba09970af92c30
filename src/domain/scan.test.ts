import { describe, expect, it } from 'vitest';
import { applies, complianceOf, isDiscrepancy, lastSeenAt, scanDelta } from './scan.js';

describe('the scan, pure', () => {
  it('applies an update by os, and by arch when it names one', () => {
    const linux = { os: 'linux', arch: 'x64' };
    expect(applies([{ os: 'linux' }], linux)).toBe(true);
    expect(applies([{ os: 'linux', arch: 'arm64' }], linux)).toBe(false);
    expect(applies([{ os: 'windows' }, { os: 'linux', arch: 'x64' }], linux)).toBe(true);
  });

  it('puts on the wire only the findings that differ from the acknowledged ones', () => {
    const acked = { a: 'found', b: 'not-found' } as const;
    expect(
      scanDelta(acked, [
        { updateId: 'a', result: 'found', message: null },
        { updateId: 'b', result: 'found', message: null },
        { updateId: 'c', result: 'error', message: 'timed out' },
      ]).map((f) => f.updateId),
    ).toEqual(['b', 'c']);
    expect(scanDelta(acked, [{ updateId: 'a', result: 'found', message: null }])).toEqual([]);
  });

  it('puts each computer × update in one compliance state', () => {
    expect(complianceOf(false, { result: 'found' }, 'installed')).toBe('not-applicable');
    expect(complianceOf(true, { result: 'found' }, 'failed')).toBe('installed');
    expect(complianceOf(true, { result: 'not-found' }, 'installed')).toBe('required');
    expect(complianceOf(true, { result: 'not-found' }, 'failed')).toBe('failed');
    expect(complianceOf(true, { result: 'error' }, null)).toBe('unknown');
    expect(complianceOf(true, undefined, 'failed')).toBe('failed');
    expect(complianceOf(true, undefined, null)).toBe('unknown');
  });

  it('is a discrepancy only when a scan after the installed status does not find it', () => {
    const status = { deploymentId: 'd1', state: 'installed' as const, updatedAt: 100 };
    const scan = (detectedAt: number, result: 'found' | 'not-found' = 'not-found') => ({
      result,
      message: null,
      detectedAt,
      changedAt: detectedAt,
    });
    expect(isDiscrepancy(status, scan(150))).toBe(true);
    expect(isDiscrepancy(status, scan(50))).toBe(false);
    expect(isDiscrepancy(status, scan(150, 'found'))).toBe(false);
    expect(isDiscrepancy({ ...status, state: 'failed' }, scan(150))).toBe(false);
    expect(isDiscrepancy(undefined, scan(150))).toBe(false);
  });

  it("takes the last time seen from the computer's later unchanged scan", () => {
    const row = { result: 'found' as const, message: null, detectedAt: 100, changedAt: 50 };
    expect(lastSeenAt(row, null)).toBe(100);
    expect(lastSeenAt(row, 300)).toBe(300);
    expect(lastSeenAt(row, 80)).toBe(100);
  });
});
