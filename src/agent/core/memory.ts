import type { ClientPolicy } from '../../contracts/plan.js';
import type { DurableStore } from './host.js';
import type { PendingRestartView } from './local-user.js';

/** How soon to look again at an install a killed agent process left running. */
const RUNNING_RECHECK_MS = 30_000;

/**
 * What the core remembers between cycles besides the outbox: the updates waiting for a
 * restart (with the boot time seen when the installer asked for it), the updates
 * waiting for the person at the computer, and the restart the agent may make itself.
 * Kept small, since the simulator holds one per virtual computer.
 */
export interface AgentMemory {
  reboots: Record<string, { bootTime: string | null }>;
  /** Install assignments held back by their client policy, by update id. */
  pending: Record<string, PendingItem>;
  restart: RestartMemory;
  /** Installs started and not yet seen to end, by update id (the agent may be killed). */
  running: Record<string, RunningInstall>;
}

export interface RunningInstall {
  startedAt: string;
  /** The boot it started in: after a restart the process is gone whatever its id. */
  bootTime: string | null;
  /** Null until the command has started. */
  pid: number | null;
}

/** What a held-back install waits for next. */
export type PendingStage = 'download' | 'install';

/** The last waiting state told to the server, so it is told once per transition. */
export type ToldWait = 'awaiting-download' | 'awaiting-install' | 'scheduled' | 'postponed';

export interface PendingItem {
  deploymentId: string;
  title: string;
  policy: ClientPolicy;
  installAt: string | null;
  deadline: string | null;
  /** SHA-256 of the update's files: discarded when the assignment goes away. */
  files: string[];
  stage: PendingStage;
  /** A local admin approved `stage` (the download, or the install). */
  approved: boolean;
  told: ToldWait | null;
  /** The person at the computer put the install off until then, and who (absent: never). */
  postponedUntil?: string | null;
  postponedBy?: string | null;
  /** When it began waiting for `stage`. */
  since: string;
}

export interface RestartMemory {
  /** A local admin postponed automatic restarts until then. */
  postponedUntil: string | null;
  /** The boot in which the agent last ran the reboot command: once per boot. */
  triedInBoot: string | null;
}

const MEMORY_KEY = 'memory';

export function emptyMemory(): AgentMemory {
  return {
    reboots: {},
    pending: {},
    restart: { postponedUntil: null, triedInBoot: null },
    running: {},
  };
}

export async function loadMemory(store: DurableStore): Promise<AgentMemory> {
  const raw = await store.get(MEMORY_KEY);
  const memory = emptyMemory();
  if (!raw) return memory;
  try {
    const value = JSON.parse(raw) as Partial<AgentMemory>;
    if (isRecord(value.reboots)) memory.reboots = value.reboots;
    if (isRecord(value.pending)) memory.pending = value.pending;
    if (isRecord(value.running)) memory.running = value.running;
    if (isRecord(value.restart)) {
      const r = value.restart as Partial<RestartMemory>;
      memory.restart = {
        postponedUntil: typeof r.postponedUntil === 'string' ? r.postponedUntil : null,
        triedInBoot: typeof r.triedInBoot === 'string' ? r.triedInBoot : null,
      };
    }
  } catch {
    // Writes are atomic, so this is outside damage: start over.
  }
  return memory;
}

export async function saveMemory(store: DurableStore, memory: AgentMemory): Promise<void> {
  await store.put(MEMORY_KEY, JSON.stringify(memory));
}

function isRecord(value: unknown): value is Record<string, never> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The earliest future time something may change without the server (a scheduled
 * install, a deadline, the end of a postponed restart, an install left running), or null.
 */
export function nextDueAt(
  memory: AgentMemory,
  restart: PendingRestartView | null,
  now: number,
): string | null {
  const times: number[] = [];
  for (const item of Object.values(memory.pending)) {
    if (item.policy === 'scheduled' && item.installAt) times.push(Date.parse(item.installAt));
    if (item.deadline) times.push(Date.parse(item.deadline));
    if (item.postponedUntil) times.push(Date.parse(item.postponedUntil));
  }
  // An install left running by a killed agent process: look again soon.
  if (Object.keys(memory.running).length > 0) times.push(now + RUNNING_RECHECK_MS);
  if (restart?.automatic && restart.postponedUntil) {
    times.push(Date.parse(restart.postponedUntil));
  }
  const future = times.filter((t) => Number.isFinite(t) && t > now);
  return future.length === 0 ? null : new Date(Math.min(...future)).toISOString();
}
