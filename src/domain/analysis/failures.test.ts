import { describe, expect, it } from 'vitest';
import { analyseFailures, freeDiskBand, type AnalysedComputer } from './failures.js';

const sites = ['tokyo', 'osaka', 'paris', 'berlin', 'austin'];
const versions = ['22.04', '24.04'];

/** 200 computers spread over five sites, two OS versions and two agent versions. */
function fleet(): AnalysedComputer[] {
  return Array.from({ length: 200 }, (_, i) => ({
    id: `c${i}`,
    site: sites[i % sites.length] ?? null,
    os: 'linux',
    osVersion: versions[Math.floor(i / 5) % versions.length] ?? '',
    arch: 'x64',
    agentVersion: i % 3 === 0 ? '1.2.0' : '1.3.0',
    freeDiskMB: 50_000 + (i % 7) * 1000,
  }));
}

describe('failure clusters', () => {
  it('names first the site on which every failure happened', () => {
    const computers = fleet();
    const osaka = computers.filter((c) => c.site === 'osaka').slice(0, 12);
    const a = analyseFailures(
      computers,
      osaka.map((c) => ({ computerId: c.id, reason: 'install-error' })),
    );
    expect(a.failedComputers).toBe(12);
    expect(a.clusters[0]).toMatchObject({
      attribute: 'site',
      value: 'osaka',
      failed: 12,
      target: 40,
    });
    expect(a.clusters[0]?.summary).toBe(
      '12 of 12 failures on site osaka, which holds 20% of the target',
    );
    expect(a.clusters[0]?.pValue).toBeLessThan(1e-6);
    expect(a.reasons).toEqual([{ reason: 'install-error', failures: 12, percent: 100 }]);
  });

  it('names an OS version cluster, and another reason does not blur it', () => {
    const computers = fleet();
    const old = computers.filter((c) => c.osVersion === '22.04').slice(0, 20);
    const noise = [computers[1], computers[7]].map((c) => ({
      computerId: c?.id ?? '',
      reason: 'offline',
    }));
    const a = analyseFailures(computers, [
      ...old.map((c) => ({ computerId: c.id, reason: 'disk-space' })),
      ...noise,
    ]);
    expect(a.clusters[0]).toMatchObject({ attribute: 'osVersion', value: 'linux 22.04' });
    const byReason = analyseFailures(
      computers,
      [...old.map((c) => ({ computerId: c.id, reason: 'disk-space' })), ...noise],
      { reason: 'disk-space' },
    );
    expect(byReason.failedComputers).toBe(20);
    expect(byReason.clusters[0]).toMatchObject({ failed: 20, target: 100 });
    expect(a.reasons.map((r) => [r.reason, r.failures])).toEqual([
      ['disk-space', 20],
      ['offline', 2],
    ]);
  });

  it('finds nothing in failures spread like the target, and nothing with no failure', () => {
    const computers = fleet();
    const spread = computers.filter((_, i) => i % 7 === 0);
    const a = analyseFailures(
      computers,
      spread.map((c) => ({ computerId: c.id, reason: null })),
    );
    expect(a.clusters.every((c) => c.pValue > 0.05)).toBe(true);
    expect(a.reasons).toEqual([{ reason: 'unknown', failures: spread.length, percent: 100 }]);
    expect(analyseFailures(computers, [])).toEqual({
      target: 200,
      failedComputers: 0,
      reasons: [],
      clusters: [],
    });
  });

  it('puts free disk in bands', () => {
    expect(freeDiskBand(500)).toBe('< 1 GB');
    expect(freeDiskBand(4000)).toBe('1-5 GB');
    expect(freeDiskBand(200_000)).toBe('>= 100 GB');
  });
});
