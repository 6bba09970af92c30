import type { Assignment } from '../../contracts/agent-protocol.js';
import { messageOf, type RestartOutcome } from './cycle.js';
import type { Host } from './host.js';
import type { PendingRestartView } from './local-user.js';
import { saveMemory, type AgentMemory } from './memory.js';

export type RestartDecision = PendingRestartView & { run: boolean };
type Say = (outcome: RestartOutcome, updates: string[], message: string) => void;

/**
 * Decides about restarting the computer for the updates that need it. With a reboot
 * command the agent restarts once per boot, unless a local admin postponed it or an
 * update says "no automatic restart while a user is logged on" and someone is.
 */
export async function decideRestart(
  host: Host,
  memory: AgentMemory,
  rebooting: Assignment[],
  now: Date,
  emit: Say,
): Promise<RestartDecision | null> {
  if (rebooting.length === 0) return null;
  const updates = rebooting.map((a) => a.updateId);
  const automatic = host.restartComputer !== undefined;
  const until = memory.restart.postponedUntil;
  const postponed = until !== null && Date.parse(until) > now.getTime();
  const view = {
    updates,
    automatic,
    postponedUntil: postponed ? until : null,
    blockedByLoggedOnUser: false,
  };
  const say = (outcome: RestartOutcome, message: string): void => emit(outcome, updates, message);

  if (!automatic) {
    say('manual', 'a restart is needed; no reboot command, so waiting for someone to restart');
    return { ...view, run: false };
  }
  if (postponed) {
    say('postponed', `restart postponed by a local admin until ${until}`);
    return { ...view, run: false };
  }
  if (rebooting.some((a) => a.noAutoRestartWhileLoggedOn)) {
    const users = (await host.loggedOnUsers?.()) ?? 0;
    if (users > 0) {
      say('blocked-by-logged-on-user', `not restarting: ${users} user(s) logged on`);
      return { ...view, blockedByLoggedOnUser: true, run: false };
    }
  }
  const boot = bootKey(await host.bootTime());
  if (memory.restart.triedInBoot === boot) {
    say('already-requested', 'the restart was already requested in this boot');
    return { ...view, run: false };
  }
  memory.restart.triedInBoot = boot;
  await saveMemory(host.storage, memory);
  return { ...view, run: true };
}

/** Runs the host's reboot command and says how it went. */
export async function runRestart(host: Host, updates: string[], emit: Say): Promise<void> {
  const restart = host.restartComputer?.bind(host);
  if (!restart) return;
  const say = (outcome: RestartOutcome, message: string): void => emit(outcome, updates, message);
  try {
    const result = await restart();
    if (result.exitCode === 0 && !result.timedOut) {
      say('restarting', 'restarting the computer to finish installing updates');
    } else {
      const how = result.timedOut ? 'timed out' : `exited with ${result.exitCode}`;
      say('failed', `the reboot command ${how}: ${result.output.slice(-500)}`);
    }
  } catch (error) {
    say('failed', `the reboot command failed: ${messageOf(error)}`);
  }
}

/** The boot a restart was requested in; an unknown boot time counts as one boot. */
export function bootKey(bootTime: string | null): string {
  return bootTime ?? 'unknown';
}
