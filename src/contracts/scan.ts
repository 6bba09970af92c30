import { z } from 'zod';
import { scanResults } from '../domain/scan.js';
import { computerDetailView, deploymentDetailView } from './api.js';
import { detectRule, platform } from './manifest.js';

/** The scan, on the agent protocol and the admin API. */

/** One catalog update's detect rule, for the computers it applies to. */
export const scanRule = z.object({
  updateId: z.string(),
  detect: detectRule,
  platforms: z.array(platform),
});
export type ScanRule = z.infer<typeof scanRule>;

/** `GET /agent/v1/computers/:id/scan-rules`: the rules of every update for its platform. */
export const scanRulesResponse = z.object({
  /** The same as the check-in's `scanRulesVersion` while the rules stay the same. */
  version: z.string(),
  rules: z.array(scanRule),
});
export type ScanRulesResponse = z.infer<typeof scanRulesResponse>;

export const scanFinding = z.object({
  updateId: z.string().min(1).max(128),
  result: z.enum(scanResults),
  /** Why the rule could not tell (`error`). */
  message: z.string().max(2000).nullable().default(null),
});

/**
 * `POST /agent/v1/computers/:id/scan`: what changed since the findings the server
 * last acknowledged (`full`: every finding, when an admin asked for a scan).
 */
export const scanReportRequest = z.object({
  /** When the agent scanned (ISO 8601, the agent's clock like its status reports). */
  scannedAt: z.iso.datetime({ offset: true }),
  full: z.boolean().default(false),
  findings: z.array(scanFinding).max(10_000),
});
export type ScanReportRequest = z.infer<typeof scanReportRequest>;
export type ScanReportInput = z.input<typeof scanReportRequest>;

export const scanReportResponse = z.object({
  /** Findings stored (new or changed, or refreshed by a full scan). */
  stored: z.number().int().nonnegative(),
});
export type ScanReportResponse = z.infer<typeof scanReportResponse>;

// ---- admin -----------------------------------------------------------------

export const scanView = z.object({
  updateId: z.string(),
  result: z.enum(scanResults),
  message: z.string().nullable(),
  /** The last time the scan saw this result. */
  detectedAt: z.string(),
  /** When the result last changed. */
  changedAt: z.string(),
});
export type ScanView = z.infer<typeof scanView>;

/** A status and a scan that disagree, with both facts and their times. */
export const discrepancyView = z.object({
  computerId: z.string(),
  hostname: z.string(),
  updateId: z.string(),
  deploymentId: z.string().nullable(),
  status: z.string(),
  statusAt: z.string(),
  scan: z.enum(scanResults),
  /** Since when the scan has not found it. */
  scanChangedAt: z.string(),
  /** The last time the scan looked and still did not find it. */
  scanDetectedAt: z.string(),
});
export type DiscrepancyView = z.infer<typeof discrepancyView>;

export const requestScanRequest = z
  .object({
    /** A computer id or hostname. */
    computer: z.string().min(1).max(255).optional(),
    group: z.string().min(1).max(128).optional(),
  })
  .refine((r) => (r.computer === undefined) !== (r.group === undefined), {
    message: 'give exactly one of computer or group',
    path: ['computer'],
  });
export type RequestScanRequest = z.infer<typeof requestScanRequest>;

export const requestScanResponse = z.object({
  /**
   * The computers asked to scan: those holding the push channel scan at once, the
   * others at their next check-in (every check-in scans).
   */
  computers: z.number().int().nonnegative(),
});
export type RequestScanResponse = z.infer<typeof requestScanResponse>;

export const complianceBy = ['update', 'group', 'computer'] as const;
export const complianceQuery = z.object({
  by: z.enum(complianceBy).default('update'),
});

const count = z.number().int().nonnegative();

/** One line of a compliance report: how many computer × update pairs are in each state. */
export const complianceRow = z.object({
  /** The update id, the group name or the computer's hostname. */
  key: z.string(),
  /** The computer id (`by=computer`), else null. */
  computerId: z.string().nullable(),
  installed: count,
  required: count,
  failed: count,
  'not-applicable': count,
  unknown: count,
});
export type ComplianceRow = z.infer<typeof complianceRow>;

export const complianceReport = z.object({
  by: z.enum(complianceBy),
  generatedAt: z.string(),
  rows: z.array(complianceRow),
});
export type ComplianceReport = z.infer<typeof complianceReport>;

/** `computer show`: the computer, what its scan found, and where it disagrees with the statuses. */
export const computerScanDetailView = computerDetailView.extend({
  /** Empty from a server without the scan. */
  scans: z.array(scanView).default([]),
  discrepancies: z.array(discrepancyView).default([]),
});
export type ComputerScanDetailView = z.infer<typeof computerScanDetailView>;

/** `deployment show`: the deployment, and its computers where the scan disagrees. */
export const deploymentScanDetailView = deploymentDetailView.extend({
  /** Empty from a server without the scan. */
  discrepancies: z.array(discrepancyView).default([]),
});
export type DeploymentScanDetailView = z.infer<typeof deploymentScanDetailView>;
