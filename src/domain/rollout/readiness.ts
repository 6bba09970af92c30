/**
 * The readiness gate: a phase opens only when the files of its deployment are staged
 * and verified on the managed distribution points of every site its computers are at.
 * A site without a managed point is served by the server (or by static points, which
 * cannot report) and does not wait. Pure: what is held where comes in as data.
 */

export type PointFileState = 'staged' | 'missing' | 'corrupt';

export type PointHolding = {
  pointId: string;
  site: string;
  /** Only managed points report what they hold, so only they gate. */
  kind: 'managed' | 'static';
  /** What the point (or an agent) last reported of each file, by SHA-256. */
  files: ReadonlyMap<string, { state: PointFileState; detail: string | null }>;
};

export type NeededFile = { sha256: string; path: string };

/** One file not (yet) verified on one point. */
export type ContentGap = {
  site: string;
  pointId: string;
  sha256: string;
  path: string;
  /** `not-reported`: the point has said nothing of this file yet. */
  state: 'missing' | 'corrupt' | 'not-reported';
  detail: string | null;
};

export type Readiness = {
  ready: boolean;
  gaps: ContentGap[];
  /** The sites looked at, each with the managed points that must hold the files. */
  sites: { site: string; managedPoints: string[] }[];
};

/** Whether `files` are staged on the managed points of each of `sites` (null: no site). */
export function contentReadiness(
  files: readonly NeededFile[],
  sites: readonly (string | null)[],
  points: readonly PointHolding[],
): Readiness {
  const gaps: ContentGap[] = [];
  const looked: Readiness['sites'] = [];
  const unique = [...new Set(sites.filter((s): s is string => s !== null))].sort();
  const uniqueFiles = [...new Map(files.map((f) => [f.sha256, f])).values()];
  for (const site of unique) {
    const managed = points.filter((p) => p.site === site && p.kind === 'managed');
    looked.push({ site, managedPoints: managed.map((p) => p.pointId) });
    for (const point of managed) {
      for (const file of uniqueFiles) {
        const held = point.files.get(file.sha256);
        if (held?.state === 'staged') continue;
        gaps.push({
          site,
          pointId: point.pointId,
          sha256: file.sha256,
          path: file.path,
          state: held?.state ?? 'not-reported',
          detail: held?.detail ?? null,
        });
      }
    }
  }
  return { ready: gaps.length === 0, gaps, sites: looked };
}

/**
 * What a phase waits for, in words: `site tokyo: dp-1 lacks app.msi (corrupt), …`; one
 * part per point, at most a few files named each.
 */
export function describeGaps(gaps: readonly ContentGap[]): string {
  const byPoint = new Map<string, ContentGap[]>();
  for (const g of gaps) {
    const key = `${g.site}\u0000${g.pointId}`;
    byPoint.set(key, [...(byPoint.get(key) ?? []), g]);
  }
  const parts: string[] = [];
  for (const list of byPoint.values()) {
    const first = list[0];
    if (!first) continue;
    const shown = list.slice(0, 3).map((g) => `${g.path} (${g.state})`);
    const more = list.length > 3 ? `, and ${list.length - 3} more` : '';
    parts.push(`site ${first.site}: ${first.pointId} lacks ${shown.join(', ')}${more}`);
  }
  return parts.join('; ');
}
