import { formatDuration } from './rollout/duration.js';
import { applies, type ComputerPlatform, type PlatformRule, type ScanResult } from './scan.js';
import type { FailureReason, StatusState } from './status.js';

/**
 * Compliance to a baseline: a named set of updates that every computer of its groups
 * must have. Pure: from the scan (and the statuses, for why an update is missing), each
 * computer is compliant, non-compliant (which updates are missing, and why) or unknown
 * (never scanned, a scan too old to trust, or a detect rule that could not tell).
 */

export const baselineStates = ['compliant', 'non-compliant', 'unknown'] as const;
export type BaselineState = (typeof baselineStates)[number];

/**
 * Why one update of the baseline does not count as there:
 * - `missing`: the scan does not find it (non-compliant);
 * - `install-failed`: the scan does not find it (or has not looked) and its install
 *   failed, with the failure reason (non-compliant);
 * - `scan-error`: the detect rule could not tell (unknown);
 * - `never-scanned`: no scan of it on this computer yet (unknown);
 * - `stale-scan`: the computer's last scan is older than a scan is trusted (unknown).
 */
export const baselineGapKinds = [
  'missing',
  'install-failed',
  'scan-error',
  'never-scanned',
  'stale-scan',
] as const;
export type BaselineGapKind = (typeof baselineGapKinds)[number];

const nonCompliantKinds: ReadonlySet<BaselineGapKind> = new Set(['missing', 'install-failed']);

/** The state a gap puts its update (and so its computer) in. */
export function gapState(kind: BaselineGapKind): Exclude<BaselineState, 'compliant'> {
  return nonCompliantKinds.has(kind) ? 'non-compliant' : 'unknown';
}

export type BaselineUpdate = { id: string; platforms: readonly PlatformRule[] };

export type BaselineComputer = ComputerPlatform & {
  id: string;
  hostname: string;
  /** The computer's last scan with every finding acknowledged (epoch ms); null: none told. */
  scannedAt: number | null;
};

/** What the scan keeps of one computer × update (times epoch ms). */
export type BaselineScan = {
  result: ScanResult;
  message: string | null;
  detectedAt: number;
  changedAt: number;
};

/** The last status of one computer × update. */
export type BaselineStatus = {
  state: StatusState;
  reason: FailureReason | null;
  exitCode: number | null;
  message: string | null;
  updatedAt: number;
};

export type BaselineGap = {
  updateId: string;
  kind: BaselineGapKind;
  /** The computer × update's last status, if it has one. */
  status: StatusState | null;
  reason: FailureReason | null;
  exitCode: number | null;
  /** The detect rule's error, or the status's message. */
  message: string | null;
  /** Since when it is so (epoch ms): the scan's change, the failure, the last scan. */
  since: number | null;
  /** The gap in words. */
  why: string;
};

export type BaselineComputerResult = {
  computerId: string;
  hostname: string;
  state: BaselineState;
  /** When the computer last scanned (epoch ms), null: never. */
  scannedAt: number | null;
  /** Updates of the baseline the scan finds. */
  installed: number;
  /** Updates of the baseline that do not apply to its platform (they count as compliant). */
  notApplicable: number;
  /** Every update of the baseline that is not there or not known to be, by update id. */
  gaps: BaselineGap[];
};

export type BaselineTotals = { computers: number } & Record<BaselineState, number>;

export type BaselineUpdateCounts = { updateId: string } & Record<BaselineState, number> & {
    'not-applicable': number;
  };

export type BaselineCompliance = {
  totals: BaselineTotals;
  updates: BaselineUpdateCounts[];
  computers: BaselineComputerResult[];
};

export type BaselineComplianceInput = {
  updates: readonly BaselineUpdate[];
  computers: readonly BaselineComputer[];
  /** What the scan found, by computer id then update id. */
  scan: (computerId: string, updateId: string) => BaselineScan | undefined;
  status: (computerId: string, updateId: string) => BaselineStatus | undefined;
  /** A computer whose last scan is older than this is not trusted: unknown. */
  staleAfterMs: number;
};

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The last time a computer's scan looked: its acknowledged scan or its newest finding. */
export function lastScanAt(
  scannedAt: number | null,
  scans: readonly BaselineScan[],
): number | null {
  let at = scannedAt;
  for (const s of scans) if (at === null || s.detectedAt > at) at = s.detectedAt;
  return at;
}

function failedWhy(status: BaselineStatus, scanned: boolean): string {
  const code = status.exitCode === null ? '' : `, exit code ${status.exitCode}`;
  const message = status.message ? `: ${status.message}` : '';
  const scan = scanned ? 'the scan does not find it; ' : 'not scanned yet; ';
  return `${scan}install failed at ${iso(status.updatedAt)} (${status.reason ?? 'no reason told'}${code})${message}`;
}

function statusNote(status: BaselineStatus | undefined): string {
  if (!status) return '; no deployment has reported on it';
  return `; its status is ${status.state}${status.reason ? ` (${status.reason})` : ''}`;
}

/** One computer × update: nothing (installed or not applicable) or why it is a gap. */
function gapOf(
  update: BaselineUpdate,
  computer: BaselineComputer,
  scan: BaselineScan | undefined,
  status: BaselineStatus | undefined,
  scannedAt: number | null,
  stale: boolean,
  trusted: string,
): BaselineGap | 'installed' | 'not-applicable' {
  if (!applies(update.platforms, computer)) return 'not-applicable';
  const facts = {
    updateId: update.id,
    status: status?.state ?? null,
    reason: status?.reason ?? null,
    exitCode: status?.exitCode ?? null,
    message: status?.message ?? null,
  };
  if (scan && !stale) {
    if (scan.result === 'found') return 'installed';
    if (scan.result === 'error') {
      return {
        ...facts,
        kind: 'scan-error',
        message: scan.message,
        since: scan.changedAt,
        why: `the detect rule could not tell${scan.message ? `: ${scan.message}` : ''}`,
      };
    }
    if (status?.state === 'failed') {
      return {
        ...facts,
        kind: 'install-failed',
        since: status.updatedAt,
        why: failedWhy(status, true),
      };
    }
    return {
      ...facts,
      kind: 'missing',
      since: scan.changedAt,
      why: `the scan does not find it since ${iso(scan.changedAt)}${statusNote(status)}`,
    };
  }
  if (status?.state === 'failed') {
    return {
      ...facts,
      kind: 'install-failed',
      since: status.updatedAt,
      why: failedWhy(status, false),
    };
  }
  if (scannedAt === null || (!scan && !stale)) {
    return { ...facts, kind: 'never-scanned', since: null, why: 'never scanned on this computer' };
  }
  return {
    ...facts,
    kind: 'stale-scan',
    since: scannedAt,
    why: `last scanned at ${iso(scannedAt)}, longer ago than the ${trusted} a scan is trusted`,
  };
}

/** Compliance of every computer to the baseline's updates, at `now`, with totals. */
export function baselineCompliance(
  input: BaselineComplianceInput,
  now: number,
): BaselineCompliance {
  const totals: BaselineTotals = { computers: 0, compliant: 0, 'non-compliant': 0, unknown: 0 };
  const perUpdate = new Map<string, BaselineUpdateCounts>(
    input.updates.map((u) => [
      u.id,
      { updateId: u.id, compliant: 0, 'non-compliant': 0, unknown: 0, 'not-applicable': 0 },
    ]),
  );
  const trusted = formatDuration(Math.round(input.staleAfterMs / 1000));
  const computers: BaselineComputerResult[] = [];
  for (const c of input.computers) {
    const scans = input.updates.map((u) => input.scan(c.id, u.id));
    const scannedAt = lastScanAt(
      c.scannedAt,
      scans.filter((s): s is BaselineScan => s !== undefined),
    );
    const stale = scannedAt !== null && now - scannedAt > input.staleAfterMs;
    const result: BaselineComputerResult = {
      computerId: c.id,
      hostname: c.hostname,
      state: 'compliant',
      scannedAt,
      installed: 0,
      notApplicable: 0,
      gaps: [],
    };
    input.updates.forEach((u, i) => {
      const counts = perUpdate.get(u.id) as BaselineUpdateCounts;
      const gap = gapOf(u, c, scans[i], input.status(c.id, u.id), scannedAt, stale, trusted);
      if (gap === 'installed' || gap === 'not-applicable') {
        if (gap === 'installed') result.installed += 1;
        else result.notApplicable += 1;
        counts[gap === 'installed' ? 'compliant' : 'not-applicable'] += 1;
        return;
      }
      result.gaps.push(gap);
      counts[gapState(gap.kind)] += 1;
    });
    result.state = result.gaps.some((g) => gapState(g.kind) === 'non-compliant')
      ? 'non-compliant'
      : result.gaps.length > 0
        ? 'unknown'
        : 'compliant';
    totals.computers += 1;
    totals[result.state] += 1;
    computers.push(result);
  }
  computers.sort((a, b) =>
    a.hostname < b.hostname
      ? -1
      : a.hostname > b.hostname
        ? 1
        : a.computerId < b.computerId
          ? -1
          : 1,
  );
  return { totals, updates: [...perUpdate.values()], computers };
}
