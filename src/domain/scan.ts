import type { StatusState } from './status.js';

/**
 * The scan: the agent's own look at what is installed on its computer, independent of
 * what the deployments did. Pure: results, deltas, compliance and discrepancies.
 */

/** What a detect rule said on the computer: found, not found, or it could not tell. */
export const scanResults = ['found', 'not-found', 'error'] as const;
export type ScanResult = (typeof scanResults)[number];

/** One update's result as the agent saw it. */
export type ScanFinding = { updateId: string; result: ScanResult; message: string | null };

/** The platforms of an update and a computer's inventory, as far as applying goes. */
export type PlatformRule = { os: string; arch?: string | undefined };
export type ComputerPlatform = { os: string; arch: string };

/** An update applies to a computer when one of its platforms names the computer's os (and arch, if given). */
export function applies(platforms: readonly PlatformRule[], computer: ComputerPlatform): boolean {
  return platforms.some((p) => p.os === computer.os && (!p.arch || p.arch === computer.arch));
}

/**
 * What goes on the wire: the findings that differ from what the server last
 * acknowledged (`acked`, by update id). An unchanged scan is an empty delta.
 */
export function scanDelta(
  acked: Readonly<Record<string, ScanResult>>,
  current: readonly ScanFinding[],
): ScanFinding[] {
  return current.filter((f) => acked[f.updateId] !== f.result);
}

/** What the server keeps of one computer × update. Times are epoch ms. */
export type StoredScan = {
  result: ScanResult;
  message: string | null;
  /** The last time the scan saw this result. */
  detectedAt: number;
  /** When the result last changed (the first time it was seen so). */
  changedAt: number;
};

/**
 * One computer × update against the scan, in one word:
 * - `not-applicable`: the update's platforms do not include the computer's;
 * - `installed`: the latest scan found it;
 * - `failed`: the latest scan did not find it and its last status is `failed`;
 * - `required`: the latest scan did not find it (it applies and is missing);
 * - `unknown`: no scan result yet, or the detect rule could not tell (an error).
 */
export const complianceStates = [
  'installed',
  'required',
  'failed',
  'not-applicable',
  'unknown',
] as const;
export type ComplianceState = (typeof complianceStates)[number];

export function complianceOf(
  isApplicable: boolean,
  scan: Pick<StoredScan, 'result'> | undefined,
  status: StatusState | null,
): ComplianceState {
  if (!isApplicable) return 'not-applicable';
  if (scan?.result === 'found') return 'installed';
  if (scan?.result === 'not-found') return status === 'failed' ? 'failed' : 'required';
  return status === 'failed' ? 'failed' : 'unknown';
}

export type ComplianceCounts = Record<ComplianceState, number>;

export function emptyCompliance(): ComplianceCounts {
  return { installed: 0, required: 0, failed: 0, 'not-applicable': 0, unknown: 0 };
}

/** The status facts a discrepancy compares with the scan. */
export type StatusFact = {
  deploymentId: string | null;
  state: StatusState;
  updatedAt: number;
};

/**
 * A discrepancy: the status says installed, and the scan, since then, says not found.
 * A scan older than the status is not a disagreement yet (the agent has not looked again).
 */
export function isDiscrepancy(
  status: StatusFact | undefined,
  scan: StoredScan | undefined,
): boolean {
  if (!status || !scan) return false;
  return (
    status.state === 'installed' &&
    scan.result === 'not-found' &&
    scan.detectedAt >= status.updatedAt
  );
}

/** The time the scan last saw its result: the row's, or the computer's last unchanged scan after it. */
export function lastSeenAt(scan: StoredScan, computerScannedAt: number | null): number {
  return computerScannedAt !== null && computerScannedAt > scan.detectedAt
    ? computerScannedAt
    : scan.detectedAt;
}
