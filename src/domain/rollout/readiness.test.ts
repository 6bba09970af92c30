import { describe, expect, it } from 'vitest';
import { contentReadiness, describeGaps, type PointHolding } from './readiness.js';

const file = { sha256: 'a'.repeat(64), path: 'setup.msi' };
const other = { sha256: 'b'.repeat(64), path: 'patch.cab' };

function point(
  pointId: string,
  site: string,
  held: Record<string, 'staged' | 'missing' | 'corrupt'> = {},
  kind: 'managed' | 'static' = 'managed',
): PointHolding {
  return {
    pointId,
    site,
    kind,
    files: new Map(Object.entries(held).map(([sha, state]) => [sha, { state, detail: null }])),
  };
}

describe('the readiness gate', () => {
  it('waits until every managed point of every site holds every file, staged', () => {
    const points = [
      point('dp-t', 'tokyo', { [file.sha256]: 'staged' }),
      point('dp-o', 'osaka', { [file.sha256]: 'corrupt' }),
    ];
    const r = contentReadiness([file, other], ['tokyo', 'osaka', 'tokyo'], points);
    expect(r.ready).toBe(false);
    expect(r.gaps.map((g) => [g.pointId, g.path, g.state])).toEqual([
      ['dp-o', 'setup.msi', 'corrupt'],
      ['dp-o', 'patch.cab', 'not-reported'],
      ['dp-t', 'patch.cab', 'not-reported'],
    ]);
    expect(describeGaps(r.gaps)).toBe(
      'site osaka: dp-o lacks setup.msi (corrupt), patch.cab (not-reported); ' +
        'site tokyo: dp-t lacks patch.cab (not-reported)',
    );
  });

  it('is ready once staged everywhere; only the sites of the phase count', () => {
    const points = [
      point('dp-t', 'tokyo', { [file.sha256]: 'staged' }),
      point('dp-o', 'osaka', {}),
    ];
    expect(contentReadiness([file], ['tokyo'], points)).toMatchObject({ ready: true, gaps: [] });
    expect(contentReadiness([file], ['osaka'], points).ready).toBe(false);
  });

  it('does not wait for a site without a managed point, static points or computers without a site', () => {
    const points = [point('dp-s', 'kyoto', {}, 'static')];
    const r = contentReadiness([file], ['kyoto', 'nagoya', null], points);
    expect(r.ready).toBe(true);
    expect(r.sites).toEqual([
      { site: 'kyoto', managedPoints: [] },
      { site: 'nagoya', managedPoints: [] },
    ]);
  });

  it('names a few files per point and counts the rest', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({
      sha256: String(i).repeat(64),
      path: `f${i}`,
    }));
    const r = contentReadiness(many, ['tokyo'], [point('dp-t', 'tokyo')]);
    expect(describeGaps(r.gaps)).toBe(
      'site tokyo: dp-t lacks f0 (not-reported), f1 (not-reported), f2 (not-reported), and 2 more',
    );
  });
});
