import { formatPercent } from '../rollout/duration.js';
import { hypergeometricUpperTail } from './statistics.js';

/**
 * What sets a deployment's failed computers apart: for each inventory attribute,
 * the values over-represented among the failed computers against the deployment's
 * target, each with a one-sided Fisher exact p-value (the hypergeometric tail: the
 * chance that failures drawn at random from the target would hold that many
 * computers with the value, or more), most significant first. Pure: the store gives
 * the target's computers and the failed statuses.
 */

/** The attributes compared, in the order they are shown. */
export const failureAttributes = [
  'site',
  'os',
  'osVersion',
  'arch',
  'agentVersion',
  'freeDisk',
] as const;
export type FailureAttribute = (typeof failureAttributes)[number];

/** One target computer with what the analysis compares of its inventory. */
export type AnalysedComputer = {
  id: string;
  site: string | null;
  os: string;
  osVersion: string;
  arch: string;
  agentVersion: string;
  freeDiskMB: number;
};

/** One failed computer × update status of the deployment. */
export type FailedStatus = { computerId: string; reason: string | null };

export type ReasonCount = { reason: string; failures: number; percent: number };

export type FailureCluster = {
  attribute: FailureAttribute;
  value: string;
  /** Failed computers with this value. */
  failed: number;
  /** Share of the failed computers with this value. */
  failedPercent: number;
  /** Target computers with this value. */
  target: number;
  /** Share of the target with this value. */
  targetPercent: number;
  /** One-sided Fisher exact p-value: P(this many failed with the value or more, by chance). */
  pValue: number;
  summary: string;
};

export type FailureAnalysis = {
  target: number;
  failedComputers: number;
  /** Failed computer × update statuses by failure reason, most first. */
  reasons: ReasonCount[];
  /** Over-represented values, most significant first. */
  clusters: FailureCluster[];
};

/** Free disk in bands, so 1,000 computers are not 1,000 values. */
export function freeDiskBand(mb: number): string {
  if (mb < 1024) return '< 1 GB';
  if (mb < 5 * 1024) return '1-5 GB';
  if (mb < 20 * 1024) return '5-20 GB';
  if (mb < 100 * 1024) return '20-100 GB';
  return '>= 100 GB';
}

export function attributeValue(c: AnalysedComputer, attribute: FailureAttribute): string {
  switch (attribute) {
    case 'site':
      return c.site ?? '(no site)';
    case 'os':
      return c.os;
    case 'osVersion':
      // Versions of different systems are different values: "windows 10.0.19045".
      return `${c.os} ${c.osVersion}`.trim();
    case 'arch':
      return c.arch;
    case 'agentVersion':
      return c.agentVersion;
    case 'freeDisk':
      return freeDiskBand(c.freeDiskMB);
  }
}

const attributeWords: Record<FailureAttribute, string> = {
  site: 'site',
  os: 'OS',
  osVersion: 'OS version',
  arch: 'architecture',
  agentVersion: 'agent version',
  freeDisk: 'free disk',
};

export type AnalysisOptions = {
  /** Only failures of this reason (the clusters of one reason); default all. */
  reason?: string | undefined;
  /** Values shown per attribute at most; default 5. */
  perAttribute?: number;
};

/** The failure reasons of the failed statuses, most first; a status without one is `unknown`. */
export function countReasons(failures: readonly FailedStatus[]): ReasonCount[] {
  const counts = new Map<string, number>();
  for (const f of failures) {
    const reason = f.reason ?? 'unknown';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const total = failures.length;
  return [...counts]
    .map(([reason, n]) => ({ reason, failures: n, percent: total > 0 ? (100 * n) / total : 0 }))
    .sort((a, b) => b.failures - a.failures || a.reason.localeCompare(b.reason));
}

export function analyseFailures(
  computers: readonly AnalysedComputer[],
  failures: readonly FailedStatus[],
  options: AnalysisOptions = {},
): FailureAnalysis {
  const perAttribute = options.perAttribute ?? 5;
  const targetIds = new Set(computers.map((c) => c.id));
  const failedIds = new Set(
    failures
      .filter((f) => options.reason === undefined || (f.reason ?? 'unknown') === options.reason)
      .map((f) => f.computerId)
      .filter((id) => targetIds.has(id)),
  );
  const N = computers.length;
  const n = failedIds.size;
  const clusters: FailureCluster[] = [];
  if (n > 0) {
    for (const attribute of failureAttributes) {
      const byValue = new Map<string, { target: number; failed: number }>();
      for (const c of computers) {
        const value = attributeValue(c, attribute);
        const tally = byValue.get(value) ?? { target: 0, failed: 0 };
        tally.target += 1;
        if (failedIds.has(c.id)) tally.failed += 1;
        byValue.set(value, tally);
      }
      // A value every target computer has sets nothing apart.
      if (byValue.size < 2) continue;
      const found: FailureCluster[] = [];
      for (const [value, { target, failed }] of byValue) {
        // Over-represented: more failures with the value than its share of the target.
        if (failed === 0 || failed * N <= n * target) continue;
        const failedPercent = (100 * failed) / n;
        const targetPercent = (100 * target) / N;
        found.push({
          attribute,
          value,
          failed,
          failedPercent,
          target,
          targetPercent,
          pValue: hypergeometricUpperTail(N, target, n, failed),
          summary: `${failed} of ${n} failures on ${attributeWords[attribute]} ${value}, which holds ${formatPercent(targetPercent)} of the target`,
        });
      }
      found.sort(bySignificance);
      clusters.push(...found.slice(0, perAttribute));
    }
  }
  clusters.sort(bySignificance);
  return { target: N, failedComputers: n, reasons: countReasons(failures), clusters };
}

function bySignificance(a: FailureCluster, b: FailureCluster): number {
  return (
    a.pValue - b.pValue ||
    b.failed - a.failed ||
    a.attribute.localeCompare(b.attribute) ||
    a.value.localeCompare(b.value)
  );
}
