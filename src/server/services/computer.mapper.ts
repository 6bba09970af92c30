import type { AbsenceView, ComputerView, StatusView } from '../../contracts/api.js';
import type { AbsenceKind, Health } from '../../domain/computer-health.js';
import type { TargetStatusRow } from '../../store/deployment.repository.js';
import type { ComputerEventRow } from '../../store/event.repository.js';
import type { Inventory } from '../../contracts/inventory.js';
import type { FailureReason, StatusState } from '../../domain/status.js';
import type { ComputerRecord, InventoryColumns } from '../../store/computer.repository.js';

export function inventoryColumns(inv: Inventory): InventoryColumns {
  return {
    hostname: inv.hostname,
    os: inv.os,
    os_version: inv.osVersion,
    arch: inv.arch,
    hardware_id: inv.hardwareId,
    free_disk_mb: inv.freeDiskMB,
    agent_version: inv.agentVersion,
    ip_addresses: JSON.stringify(inv.ipAddresses),
    site: inv.site,
    boot_time: inv.bootTime,
  };
}

export function toInventory(row: ComputerRecord): Inventory {
  return {
    hostname: row.hostname,
    os: row.os,
    osVersion: row.os_version,
    arch: row.arch,
    hardwareId: row.hardware_id,
    freeDiskMB: Number(row.free_disk_mb),
    agentVersion: row.agent_version,
    ipAddresses: JSON.parse(row.ip_addresses) as string[],
    site: row.site,
    bootTime: row.boot_time,
  };
}

/** True when an inventory field that a group query can see has changed. */
export function inventoryChanged(row: ComputerRecord, next: InventoryColumns): boolean {
  return (Object.keys(next) as (keyof InventoryColumns)[]).some(
    (key) => key !== 'boot_time' && key !== 'free_disk_mb' && row[key] !== next[key],
  );
}

const iso = (ms: number | null): string | null =>
  ms === null ? null : new Date(Number(ms)).toISOString();

export function toAbsenceView(row: ComputerEventRow): AbsenceView {
  return {
    kind: row.kind as AbsenceKind,
    from: new Date(Number(row.from_at)).toISOString(),
    to: new Date(Number(row.to_at)).toISOString(),
    detail: row.detail,
  };
}

export function toComputerView(
  row: ComputerRecord,
  groups: string[],
  health: Health,
  lastAbsence: ComputerEventRow | undefined,
): ComputerView {
  return {
    id: row.id,
    ...toInventory(row),
    groups,
    enrolledAt: new Date(Number(row.enrolled_at)).toISOString(),
    lastSeenAt: iso(row.last_seen_at),
    health: { state: health.state, since: iso(health.since) },
    lastAbsence: lastAbsence ? toAbsenceView(lastAbsence) : null,
    reimagedAt: iso(row.reimaged_at),
    reimageCount: Number(row.reimage_count),
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
