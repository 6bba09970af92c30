import type { AbsenceView, ComputerView, StatusView } from '../../contracts/api.js';
import type { Absence, Health } from '../../domain/computer-health.js';
import type { TargetStatusRow } from '../../store/deployment.repository.js';
import type { Inventory } from '../../contracts/inventory.js';
import type { FailureReason, StatusState } from '../../domain/status.js';
import type { ComputerRecord } from '../../store/computer.repository.js';

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

export function toComputerView(
  computer: ComputerRecord,
  groups: string[],
  health: Health,
  lastAbsence: Absence | undefined,
): ComputerView {
  return {
    id: computer.id,
    ...toInventory(computer),
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

/** A status row as the repositories give it, for one update. */
export type StatusRowLike = Omit<TargetStatusRow, 'phase'> & { update_id: string };

/** A status row; no row yet means the computer is assigned but has not reported: pending. */
export function toStatusView(row: StatusRowLike): StatusView {
  return {
    computerId: row.computer_id,
    hostname: row.hostname,
    updateId: row.update_id,
    deploymentId: row.deployment_id,
    state: (row.state ?? 'pending') as StatusState,
    reason: row.reason as FailureReason | null,
    exitCode: row.exit_code === null ? null : Number(row.exit_code),
    output: row.output,
    message: row.message,
    attempts: Number(row.attempts ?? 0),
    updatedAt: iso(row.updated_at),
    installedAt: iso(row.installed_at),
  };
}
