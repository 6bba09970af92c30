import { z } from 'zod';
import { reportedStates, failureReasons } from '../domain/status.js';
import { inventory, inventoryHashText, packageInventory } from './inventory.js';
import { updateFile, updateManifest } from './manifest.js';
import { checkinMetadata, rejection, signedEnvelope } from './metadata.js';
import { clientPolicies } from './plan.js';
import { evidenceText } from './text.js';
import { pointSource } from './distribution.js';

/**
 * The agent protocol, under /agent/v1. Every call but enrollment carries the
 * computer's own credential as a bearer token and names that computer in the path.
 */

export const enrollRequest = z.object({
  enrollmentToken: z.string().min(1),
  inventory,
  /**
   * A random secret the agent keeps on disk before its first try: a retry with the
   * same nonce gets the same computer and credential, and spends no token use.
   */
  nonce: z
    .string()
    .min(32)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'only letters, digits, "-" and "_"' })
    .optional(),
});
export type EnrollRequest = z.infer<typeof enrollRequest>;

export const enrollResponse = z.object({
  computerId: z.string(),
  credential: z.string(),
  /** The newest signed root: the agent pins it (docs/agent.md, "Signed metadata"). */
  root: signedEnvelope.optional(),
});
export type EnrollResponse = z.infer<typeof enrollResponse>;

export const assignmentAction = z.enum(['install', 'uninstall']);
export type AssignmentAction = z.infer<typeof assignmentAction>;

/** What one computer must do about one update. */
export const assignment = z.object({
  deploymentId: z.string(),
  updateId: z.string(),
  action: assignmentAction,
  manifest: updateManifest,
  files: z.array(updateFile),
  /**
   * How much the person at the computer is involved: `notify` (ask before download
   * and before install), `auto-download` (download, ask before install), `scheduled`
   * (download, install at `installAt`; a local admin may install earlier).
   */
  policy: z.enum(clientPolicies).default('auto-download'),
  /** `scheduled`: when to install without asking. */
  installAt: z.iso.datetime({ offset: true }).nullable().default(null),
  /** At the deadline the install is enforced, whatever the policy. */
  deadline: z.iso.datetime({ offset: true }).nullable().default(null),
  /** Do not restart by itself while a user is logged on; the user may postpone. */
  noAutoRestartWhileLoggedOn: z.boolean().default(false),
  /** An emergency deployment: install now, skip the user's questions. */
  emergency: z.boolean().default(false),
});
export type Assignment = z.infer<typeof assignment>;

/**
 * An absence: a time the agent could not check in, and why (it was stopped, or the
 * server was unreachable), told at the next check-in so the server can tell a stopped
 * agent or a network cut apart from a computer that was off.
 */
export const absenceKinds = ['agent-stopped', 'server-unreachable'] as const;
export const absence = z.object({
  kind: z.enum(absenceKinds),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  /** e.g. "stopped by a user", "stopped for maintenance", the network error. */
  detail: z.string().max(500).nullable().default(null),
});
export type Absence = z.infer<typeof absence>;
export type AbsenceInput = z.input<typeof absence>;

/** An idle answer's tag, as the server gives it (`answerTag`) and the agent echoes it. */
export const answerTag = z.string().regex(/^[A-Za-z0-9_-]{22}$/, {
  message: '22 base64url characters, as the server gave it',
});

export const checkinRequest = z
  .object({
    /** The whole inventory: when it changed since the server took it, or when asked. */
    inventory: inventory.optional(),
    /**
     * Instead of `inventory`: the hash of the inventory the server last took
     * (contracts/inventory-hash.ts). Another hash than the server's: it asks for the
     * inventory (`sendInventory`). Agents before 0.2 always send the inventory.
     */
    inventoryHash: inventoryHashText.optional(),
    /**
     * The tag of the last idle answer the agent accepted: when the answer would be the
     * same, the server answers 204 with no body and the agent acts on the one it holds.
     */
    answerTag: answerTag.optional(),
    absences: z.array(absence).max(100).default([]),
    /** The older name of `absences`, still sent by agents before 0.2; read when given. */
    events: z.array(absence).max(100).optional(),
    /**
     * When the agent last scanned with every finding acknowledged by the server: an
     * unchanged scan sends nothing, and this keeps the findings' "last seen" time.
     */
    scannedAt: z.iso.datetime({ offset: true }).optional(),
    /** Answers the agent refused since its last accepted one (their signed metadata failed). */
    rejections: z.array(rejection).max(20).optional(),
    /** The installed packages: their hash always, the list when it changed. */
    packages: packageInventory.optional(),
  })
  .refine((r) => r.inventory !== undefined || r.inventoryHash !== undefined, {
    message: 'give the inventory, or the hash of the one the server has (inventoryHash)',
    path: ['inventory'],
  });
export type CheckinRequest = z.infer<typeof checkinRequest>;
export type CheckinInput = z.input<typeof checkinRequest>;

/** The absences a check-in tells, under either name. */
export function absencesOf(request: CheckinRequest): Absence[] {
  return request.events === undefined ? request.absences : [...request.absences, ...request.events];
}

export const checkinResponse = z.object({
  computerId: z.string(),
  assignments: z.array(assignment),
  /** When to come back; the server paces the fleet. The agent adds jitter. */
  nextCheckinSeconds: z.number().positive(),
  /** The highest report sequence number the server has applied for this computer. */
  ackedSeq: z.number().int().nonnegative(),
  /**
   * The version of the scan rules for this computer's platform: the agent fetches
   * `scan-rules` only when it changed. Absent from servers without the scan.
   */
  scanRulesVersion: z.string().optional(),
  /** What signs the assignments: timestamp → snapshot → targets (contracts/metadata.ts). */
  metadata: checkinMetadata.optional(),
  /**
   * The distribution points of the computer's site, in the order to try, before the
   * server. Not signed: every file is checked against the signed SHA-256 anyway.
   */
  distributionPoints: z.array(pointSource).optional(),
  /**
   * The server has another list of packages than the hash the agent sent (it lost it,
   * or never had it): the agent sends the whole list at its next check-in. Unsigned.
   */
  sendPackages: z.boolean().optional(),
  /**
   * The server has another inventory than the hash the agent sent (it lost it, or never
   * had it): the agent sends the whole inventory at its next check-in. Unsigned.
   */
  sendInventory: z.boolean().optional(),
  /**
   * Only on an idle answer (no assignments, nothing asked): its tag. The agent keeps the
   * answer and sends the tag back; while the answer would be the same, the server
   * answers 204 No Content and the agent acts on the answer it holds, verified again.
   */
  answerTag: answerTag.optional(),
});
export type CheckinResponse = z.infer<typeof checkinResponse>;

export const statusReport = z.object({
  /** From the agent's durable outbox: strictly increasing per computer. */
  seq: z.number().int().positive(),
  updateId: z.string().min(1),
  deploymentId: z.string().min(1).nullable(),
  state: z.enum(reportedStates),
  reason: z.enum(failureReasons).nullable().default(null),
  exitCode: z.number().int().nullable().default(null),
  /** The tail of the command's output (the agent keeps at most the last 4 KiB); NULs marked. */
  output: evidenceText(8192).nullable().default(null),
  message: z.string().max(2000).nullable().default(null),
  /** When the agent observed it (ISO 8601). */
  at: z.iso.datetime({ offset: true }),
});
export type StatusReport = z.infer<typeof statusReport>;
export type StatusReportInput = z.input<typeof statusReport>;

export const reportsRequest = z.object({
  reports: z.array(statusReport).min(1).max(1000),
});
export type ReportsRequest = z.infer<typeof reportsRequest>;

export const reportsResponse = z.object({
  ackedSeq: z.number().int().nonnegative(),
});
export type ReportsResponse = z.infer<typeof reportsResponse>;
