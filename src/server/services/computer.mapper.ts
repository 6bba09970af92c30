import type { AbsenceView, ComputerView, StatusView } from '../../contracts/api.js';
import type { AbsenceKind, Health } from '../../domain/computer-health.js';
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

/** A status as the repositories give it, for one update (no status yet: pending). */
export type StatusLike = {
  computerId: string;
  hostname: string;
  updateId: string;
  deploymentId: string | null;
  state: StatusState | null;
  reason: FailureReason | null;
  exitCode: number | null;
  output: string | null;
  message: string | null;
  attempts: number;
  updatedAt: number | null;
  installedAt: number | null;
};

/** A status; no status yet means the computer is placed but has not reported: pending. */
export function toStatusView(s: StatusLike): StatusView {
  return {
    computerId: s.computerId,
    hostname: s.hostname,
    updateId: s.updateId,
    deploymentId: s.deploymentId,
    state: s.state ?? 'pending',
    reason: s.reason,
    exitCode: s.exitCode,
    output: s.output,
    message: s.message,
    attempts: s.attempts,
    updatedAt: iso(s.updatedAt),
    installedAt: iso(s.installedAt),
  };
}
