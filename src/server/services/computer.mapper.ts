import type { AbsenceView, ComputerView, StatusView } from '../../contracts/api.js';
import type { Absence, Health } from '../../domain/computer-health.js';
import type { Inventory } from '../../contracts/inventory.js';
import type { Staleness } from '../../domain/deployment/stale.js';
import type { ReportedStatus, StatusState } from '../../domain/status.js';
import type { ComputerRecord } from '../../store/computer.repository.js';
import type { RejectionView } from '../../contracts/api.js';
import type { RejectionRecord } from '../../store/rejection.repository.js';
import { describeSiteSource } from '../../domain/site/site-rules.js';

/** The inventory of a computer record, without its credential and enrollment facts. */
export function toInventory(computer: ComputerRecord): Inventory {
  return {
    hostname: computer.hostname,
    os: computer.os,
    osVersion: computer.osVersion,
    arch: computer.arch,
    hardwareId: computer.hardwareId,
    freeDiskMB: computer.freeDiskMB,
    agentVersion: computer.agentVersion,
    ipAddresses: computer.ipAddresses,
    site: computer.site,
    bootTime: computer.bootTime,
    ownerEmail: computer.ownerEmail ?? null,
  };
}

/** True when an inventory field that a group query can see has changed. */
export function inventoryChanged(computer: Inventory, next: Inventory): boolean {
  return (
    computer.hostname !== next.hostname ||
    computer.os !== next.os ||
    computer.osVersion !== next.osVersion ||
    computer.arch !== next.arch ||
    computer.hardwareId !== next.hardwareId ||
    computer.agentVersion !== next.agentVersion ||
    computer.site !== next.site ||
    computer.ipAddresses.length !== next.ipAddresses.length ||
    computer.ipAddresses.some((ip, i) => ip !== next.ipAddresses[i])
  );
}

const iso = (ms: number | null): string | null =>
  ms === null ? null : new Date(Number(ms)).toISOString();

export function toAbsenceView(absence: Absence): AbsenceView {
  return {
    kind: absence.kind,
    from: new Date(absence.from).toISOString(),
    to: new Date(absence.to).toISOString(),
    detail: absence.detail,
  };
}

export function toRejectionView(rejection: RejectionRecord): RejectionView {
  return {
    reason: rejection.reason as RejectionView['reason'],
    role: rejection.role as RejectionView['role'],
    detail: rejection.detail,
    at: new Date(rejection.at).toISOString(),
    receivedAt: new Date(rejection.receivedAt).toISOString(),
  };
}

/**
 * The site the computer's agent told (`--site`); a record written before sites were
 * kept apart holds only the effective one, which was the told one then.
 */
export function toldSite(computer: ComputerRecord): string | null {
  return computer.reportedSite === undefined ? computer.site : computer.reportedSite;
}

export function toComputerView(
  computer: ComputerRecord,
  groups: string[],
  health: Health,
  lastAbsence: Absence | undefined,
): ComputerView {
  return {
    id: computer.id,
    ...toInventory(computer),
    reportedSite: toldSite(computer),
    siteSource: describeSiteSource({
      source: computer.siteSource ?? (computer.site === null ? null : 'agent'),
      rule: computer.siteRule ?? null,
    }),
    seenAddress: computer.seenAddress ?? null,
    groups,
    enrolledAt: new Date(computer.enrolledAt).toISOString(),
    lastSeenAt: iso(computer.lastSeenAt),
    health: { state: health.state, since: iso(health.since) },
    lastAbsence: lastAbsence ? toAbsenceView(lastAbsence) : null,
    reimagedAt: iso(computer.reimagedAt),
    reimageCount: computer.reimageCount,
    revokedAt: iso(computer.revokedAt),
    revokedBy: computer.revokedBy,
  };
}

/** A status as the repositories give it, for one update (no status yet: pending). */
export type StatusLike = {
  computerId: string;
  hostname: string;
  updateId: string;
} & ReportedStatus;

/** What is computed about a status at `now`: why it waits, the check-in, staleness. */
export type StatusFacts = {
  why: string | null;
  lastSeenAt: number | null;
  stale: Staleness | null;
  /** The state of a computer without a status (noStatusState): pending unless cancelled. */
  noStatus?: StatusState;
};

const noFacts: StatusFacts = { why: null, lastSeenAt: null, stale: null };

/** A status; no status yet means the computer is placed but has not reported: pending. */
export function toStatusView(s: StatusLike, facts: StatusFacts = noFacts): StatusView {
  return {
    computerId: s.computerId,
    hostname: s.hostname,
    updateId: s.updateId,
    deploymentId: s.deploymentId,
    state: s.state ?? facts.noStatus ?? 'pending',
    reason: s.reason,
    exitCode: s.exitCode,
    output: s.output,
    message: s.message,
    attempts: s.attempts,
    updatedAt: iso(s.updatedAt),
    installedAt: iso(s.installedAt),
    cancelled: s.cancelled
      ? { by: s.cancelled.by, actor: s.cancelled.actor, at: new Date(s.cancelled.at).toISOString() }
      : null,
    why: facts.why,
    lastSeenAt: iso(facts.lastSeenAt),
    stale: facts.stale
      ? {
          since: new Date(facts.stale.since).toISOString(),
          lastSucceededAt: iso(facts.stale.lastSucceededAt),
          ageSeconds: facts.stale.ageSeconds,
          recurrenceSeconds: facts.stale.recurrenceSeconds,
          message: facts.stale.message,
        }
      : null,
  };
}
