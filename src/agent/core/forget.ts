import type { Assignment } from '../../contracts/agent-protocol.js';
import type { CycleEvent } from './cycle.js';
import type { Host } from './host.js';
import { saveMemory, type AgentMemory } from './memory.js';

/**
 * Installs waiting for the user whose assignment left the check-in (the deployment was
 * halted or revoked) are dropped, with the files downloaded for them; so are restarts
 * waited for by assignments that are gone.
 */
export async function forgetWhatLeft(
  host: Pick<Host, 'content' | 'storage'>,
  memory: AgentMemory,
  assignments: readonly Assignment[],
  emit: (event: CycleEvent) => void,
): Promise<void> {
  const installs = new Set(
    assignments.filter((a) => a.action === 'install').map((a) => a.updateId),
  );
  const assigned = new Set(assignments.map((a) => a.updateId));
  const inUse = new Set(assignments.flatMap((a) => a.files.map((f) => f.sha256)));
  let changed = false;
  for (const [updateId, item] of Object.entries(memory.pending)) {
    if (installs.has(updateId)) continue;
    delete memory.pending[updateId];
    changed = true;
    for (const sha256 of item.files) {
      if (!inUse.has(sha256)) await host.content.discard(sha256);
    }
    emit({ type: 'dropped', updateId });
  }
  for (const updateId of Object.keys(memory.reboots)) {
    if (!assigned.has(updateId)) {
      delete memory.reboots[updateId];
      changed = true;
    }
  }
  if (changed) await saveMemory(host.storage, memory);
}
