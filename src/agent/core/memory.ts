import type { DurableStore } from './host.js';

/**
 * What the core remembers between cycles besides the outbox: only the updates waiting
 * for a restart, with the boot time seen when the installer asked for it. Kept tiny,
 * since the simulator holds one per virtual computer.
 */
export interface AgentMemory {
  reboots: Record<string, { bootTime: string | null }>;
}

const MEMORY_KEY = 'memory';

export async function loadMemory(store: DurableStore): Promise<AgentMemory> {
  const raw = await store.get(MEMORY_KEY);
  if (!raw) return { reboots: {} };
  try {
    const value = JSON.parse(raw) as Partial<AgentMemory>;
    return { reboots: value.reboots && typeof value.reboots === 'object' ? value.reboots : {} };
  } catch {
    return { reboots: {} };
  }
}

export async function saveMemory(store: DurableStore, memory: AgentMemory): Promise<void> {
  await store.put(MEMORY_KEY, JSON.stringify(memory));
}
