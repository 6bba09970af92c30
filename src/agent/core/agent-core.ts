import type { AgentEvent, Assignment, StatusReport } from '../../contracts/agent-protocol.js';
import { handleAssignment, type AssignmentEnd, type Step } from './assignment.js';
import {
  eventsToSend,
  loadAway,
  noteCheckinOk,
  noteStart,
  noteStop,
  noteUnreachable,
  saveAway,
  type AwayState,
} from './away.js';
import type { Host } from './host.js';
import {
  applyUserRequests,
  pendingUpdates,
  type PendingRestartView,
  type RequestOutcome,
} from './local-user.js';
import { loadMemory, saveMemory, type AgentMemory } from './memory.js';
import { Outbox } from './outbox.js';
import { ServerCallError, type AgentCredential, type ServerClient } from './server-client.js';

export interface AgentCoreOptions {
  host: Host;
  client: ServerClient;
  /** Needed only until the computer has enrolled. */
  enrollmentToken?: string | undefined;
  /** The injected clock: report times, schedules and deadlines come from here. */
  now: () => Date;
  /**
   * Send each report as soon as it is stored (the server sees `downloading`,
   * `installing` live). When false, reports go at the end of the cycle only.
   */
  flushEachReport?: boolean;
  /** Asked before each assignment: true ends the cycle early (the agent is stopping). */
  shouldStop?: () => boolean;
  /** Called as things happen, for logging. */
  onEvent?: (event: CycleEvent) => void;
}

export type RestartOutcome =
  /** No reboot command: the agent waits for someone to restart the computer. */
  | 'manual'
  | 'postponed'
  | 'blocked-by-logged-on-user'
  /** The reboot command already ran in this boot; the agent does not repeat it. */
  | 'already-requested'
  | 'restarting'
  | 'failed';

export type CycleEvent =
  | { type: 'enrolled'; computerId: string }
  | { type: 'checked-in'; computerId: string; assignments: number }
  | { type: 'report'; report: StatusReport }
  | { type: 'awaiting-reboot'; updateId: string }
  | { type: 'flushed'; sent: number }
  | { type: 'flush-failed'; message: string }
  | { type: 'credential-rejected'; message: string }
  | { type: 'events-sent'; events: AgentEvent[] }
  | { type: 'user-request'; outcome: RequestOutcome }
  /** An update waiting for the user left the check-in (halted or revoked): dropped. */
  | { type: 'dropped'; updateId: string }
  | { type: 'restart'; outcome: RestartOutcome; updates: string[]; message: string };

export type CycleResult =
  | {
      outcome: 'ok';
      computerId: string;
      nextCheckinSeconds: number;
      assignments: { updateId: string; action: Assignment['action']; end: AssignmentEnd }[];
      /**
       * The earliest future time something may change without the server (a scheduled
       * install, a deadline, the end of a postponed restart): worth a cycle then, even
       * before the next check-in the server asked for. Null when nothing is due.
       */
      nextDueAt: string | null;
    }
  | {
      outcome: 'failed';
      stage: 'enroll' | 'checkin';
      /** Worth retrying as is: the server was unreachable or had a passing fault. */
      transient: boolean;
      message: string;
    };

const CREDENTIAL_KEY = 'credential';
const NONCE_KEY = 'enrollment-nonce';
const MAX_MESSAGE = 2000;
const MAX_OUTPUT = 8192;
const FINAL_ENDS: ReadonlySet<AssignmentEnd> = new Set([
  'installed',
  'not-applicable',
  'uninstalled',
]);

/**
 * The agent's cycle, free of I/O: take the local user's requests, enroll if needed,
 * flush the outbox, check in (with what the agent saw while away), carry out each
 * assignment under its client policy, restart if allowed, report, publish what waits
 * for the user. The real agent and every simulated computer run it.
 */
export class AgentCore {
  private readonly outbox: Outbox;

  constructor(private readonly options: AgentCoreOptions) {
    this.outbox = new Outbox(options.host.storage);
  }

  /** The agent process starts: a clean stop recorded earlier becomes an event. */
  async started(): Promise<void> {
    const { storage } = this.options.host;
    const away = await loadAway(storage);
    const next = noteStart(away, this.options.now());
    if (next !== away) await saveAway(storage, next);
  }

  /** The agent stops cleanly (SIGTERM/SIGINT): remember when and why, for the server. */
  async stopped(detail: string): Promise<void> {
    const { host } = this.options;
    const memory = await loadMemory(host.storage);
    const boot = bootKey(await host.bootTime());
    const why =
      memory.restart.triedInBoot === boot
        ? `restarting the computer to finish installing updates (${detail})`
        : detail;
    await saveAway(host.storage, noteStop(await loadAway(host.storage), this.options.now(), why));
  }

  async runCycle(): Promise<CycleResult> {
    const { host, client } = this.options;
    const inventory = await host.inventory();
    const memory = await loadMemory(host.storage);
    await this.takeUserRequests(memory);

    let auth = await this.loadCredential();
    if (!auth) {
      const token = this.options.enrollmentToken;
      if (!token) {
        return fail('enroll', false, 'not enrolled and no enrollment token given');
      }
      try {
        const nonce = await this.enrollmentNonce();
        auth = await client.enroll({ enrollmentToken: token, inventory, nonce });
      } catch (error) {
        await this.noteFailure(error);
        return fail('enroll', isTransient(error), `enrollment failed: ${messageOf(error)}`);
      }
      await host.storage.put(CREDENTIAL_KEY, JSON.stringify(auth));
      this.emit({ type: 'enrolled', computerId: auth.computerId });
    }

    let flushBroken = !(await this.flush(auth));

    const away = await loadAway(host.storage);
    const events = eventsToSend(away, this.options.now());
    let checkin;
    try {
      checkin = await client.checkin(auth, { inventory, events });
    } catch (error) {
      await this.publish(auth, memory, null);
      if (error instanceof ServerCallError && (error.status === 401 || error.status === 403)) {
        // The server no longer knows this credential (computer deleted or re-imaged):
        // forget it, so the next cycle enrolls afresh.
        await host.storage.delete(CREDENTIAL_KEY);
        await this.outbox.clear();
        this.emit({ type: 'credential-rejected', message: messageOf(error) });
        return fail('checkin', true, `check-in refused: ${messageOf(error)}`);
      }
      await this.noteFailure(error, away);
      return fail('checkin', isTransient(error), `check-in failed: ${messageOf(error)}`);
    }
    const delivered = noteCheckinOk(away);
    if (delivered !== away) await saveAway(host.storage, delivered);
    if (events.length > 0) this.emit({ type: 'events-sent', events });
    await this.outbox.acknowledge(checkin.ackedSeq);
    this.emit({
      type: 'checked-in',
      computerId: auth.computerId,
      assignments: checkin.assignments.length,
    });

    await this.forgetWhatLeft(memory, checkin.assignments);

    const results: Extract<CycleResult, { outcome: 'ok' }>['assignments'] = [];
    const keepContent = new Set<string>();
    for (const assignment of checkin.assignments) {
      if (this.options.shouldStop?.()) {
        // Keep the files of what we did not get to.
        for (const a of checkin.assignments) for (const f of a.files) keepContent.add(f.sha256);
        break;
      }
      const report = async (step: Step): Promise<void> => {
        await this.record(assignment, step);
        if (this.options.flushEachReport !== false && !flushBroken) {
          flushBroken = !(await this.flush(auth));
        }
      };
      let end: AssignmentEnd;
      try {
        end = await handleAssignment(
          {
            host,
            client,
            auth,
            inventory,
            memory,
            saveMemory: () => saveMemory(host.storage, memory),
            now: this.options.now,
            report,
          },
          assignment,
        );
      } catch (error) {
        end = assignment.action === 'install' ? 'failed' : 'uninstall-failed';
        await report({ state: end, reason: 'agent-error', message: messageOf(error) });
      }
      if (end === 'awaiting-reboot') {
        this.emit({ type: 'awaiting-reboot', updateId: assignment.updateId });
      }
      results.push({ updateId: assignment.updateId, action: assignment.action, end });
      if (FINAL_ENDS.has(end)) {
        if (memory.pending[assignment.updateId]) {
          delete memory.pending[assignment.updateId];
          await saveMemory(host.storage, memory);
        }
      } else {
        for (const file of assignment.files) keepContent.add(file.sha256);
      }
    }
    await host.content.prune(keepContent);
    if (!flushBroken) await this.flush(auth);

    const rebooting = checkin.assignments.filter((a) =>
      results.some(
        (r) =>
          r.updateId === a.updateId && (r.end === 'pending-reboot' || r.end === 'awaiting-reboot'),
      ),
    );
    const restart = await this.restartIfAllowed(memory, rebooting);
    await this.publish(auth, memory, restart);
    if (restart?.run) await this.runRestart(restart.updates);

    return {
      outcome: 'ok',
      computerId: auth.computerId,
      nextCheckinSeconds: checkin.nextCheckinSeconds,
      assignments: results,
      nextDueAt: this.nextDueAt(memory, restart),
    };
  }

  /** The computer's credential, once enrolled (the push channel needs it). */
  async credential(): Promise<AgentCredential | null> {
    return await this.loadCredential();
  }

  /** Unsent reports, oldest first (for tests and diagnostics). */
  async pendingReports(): Promise<readonly StatusReport[]> {
    return await this.outbox.pending();
  }

  /** Applies approvals and postponements from the person at the computer. */
  private async takeUserRequests(memory: AgentMemory): Promise<void> {
    const user = this.options.host.user;
    if (!user) return;
    const requests = await user.requests();
    if (requests.length === 0) return;
    const outcomes = applyUserRequests(memory, requests, this.options.now());
    if (outcomes.some((o) => o.applied)) await saveMemory(this.options.host.storage, memory);
    await user.consume(requests.map((r) => r.id));
    for (const outcome of outcomes) this.emit({ type: 'user-request', outcome });
  }

  /**
   * Installs waiting for the user whose assignment left the check-in (the deployment was
   * halted or revoked) are dropped, with the files downloaded for them; so are restarts
   * waited for by assignments that are gone.
   */
  private async forgetWhatLeft(memory: AgentMemory, assignments: Assignment[]): Promise<void> {
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
        if (!inUse.has(sha256)) await this.options.host.content.discard(sha256);
      }
      this.emit({ type: 'dropped', updateId });
    }
    for (const updateId of Object.keys(memory.reboots)) {
      if (!assigned.has(updateId)) {
        delete memory.reboots[updateId];
        changed = true;
      }
    }
    if (changed) await saveMemory(this.options.host.storage, memory);
  }

  /**
   * Decides about restarting the computer for the updates that need it. With a reboot
   * command the agent restarts once per boot, unless a local admin postponed it or an
   * update says "no automatic restart while a user is logged on" and someone is.
   */
  private async restartIfAllowed(
    memory: AgentMemory,
    rebooting: Assignment[],
  ): Promise<(PendingRestartView & { run: boolean }) | null> {
    if (rebooting.length === 0) return null;
    const { host } = this.options;
    const now = this.options.now();
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
    const say = (outcome: RestartOutcome, message: string): void =>
      this.emit({ type: 'restart', outcome, updates, message });

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

  private async runRestart(updates: string[]): Promise<void> {
    const restart = this.options.host.restartComputer?.bind(this.options.host);
    if (!restart) return;
    const emit = (outcome: RestartOutcome, message: string): void =>
      this.emit({ type: 'restart', outcome, updates, message });
    try {
      const result = await restart();
      if (result.exitCode === 0 && !result.timedOut) {
        emit('restarting', 'restarting the computer to finish installing updates');
      } else {
        const how = result.timedOut ? 'timed out' : `exited with ${result.exitCode}`;
        emit('failed', `the reboot command ${how}: ${result.output.slice(-500)}`);
      }
    } catch (error) {
      emit('failed', `the reboot command failed: ${messageOf(error)}`);
    }
  }

  private async publish(
    auth: AgentCredential,
    memory: AgentMemory,
    restart: PendingRestartView | null,
  ): Promise<void> {
    const user = this.options.host.user;
    if (!user) return;
    const view = {
      updatedAt: this.options.now().toISOString(),
      computerId: auth.computerId,
      updates: pendingUpdates(memory),
      restart:
        restart === null
          ? null
          : {
              updates: restart.updates,
              automatic: restart.automatic,
              postponedUntil: restart.postponedUntil,
              blockedByLoggedOnUser: restart.blockedByLoggedOnUser,
            },
    };
    await user.publish(view);
  }

  private nextDueAt(memory: AgentMemory, restart: PendingRestartView | null): string | null {
    const now = this.options.now().getTime();
    const times: number[] = [];
    for (const item of Object.values(memory.pending)) {
      if (item.policy === 'scheduled' && item.installAt) times.push(Date.parse(item.installAt));
      if (item.deadline) times.push(Date.parse(item.deadline));
    }
    if (restart?.automatic && restart.postponedUntil) {
      times.push(Date.parse(restart.postponedUntil));
    }
    const future = times.filter((t) => Number.isFinite(t) && t > now);
    return future.length === 0 ? null : new Date(Math.min(...future)).toISOString();
  }

  /** A check-in (or enrollment) that could not reach the server starts an outage. */
  private async noteFailure(error: unknown, known?: AwayState): Promise<void> {
    if (!isOutage(error)) return;
    const { storage } = this.options.host;
    const away = known ?? (await loadAway(storage));
    const next = noteUnreachable(away, this.options.now(), messageOf(error));
    if (next !== away) await saveAway(storage, next);
  }

  private async record(assignment: Assignment, step: Step): Promise<void> {
    const report = await this.outbox.add({
      updateId: assignment.updateId,
      deploymentId: assignment.deploymentId,
      state: step.state,
      reason: step.reason ?? null,
      exitCode: step.exitCode ?? null,
      output: step.output == null ? null : step.output.slice(-MAX_OUTPUT),
      message: step.message == null ? null : step.message.slice(0, MAX_MESSAGE),
      at: this.options.now().toISOString(),
    });
    this.emit({ type: 'report', report });
  }

  /** Sends what the outbox holds; false when the server could not take it now. */
  private async flush(auth: AgentCredential): Promise<boolean> {
    try {
      const sent = await this.outbox.flush(this.options.client, auth);
      if (sent > 0) this.emit({ type: 'flushed', sent });
      return true;
    } catch (error) {
      this.emit({ type: 'flush-failed', message: messageOf(error) });
      return false;
    }
  }

  /** Kept before the first try: the server knows a retry as this agent, not a re-image. */
  private async enrollmentNonce(): Promise<string> {
    const { storage } = this.options.host;
    const kept = await storage.get(NONCE_KEY);
    if (kept) return kept;
    const nonce = `${crypto.randomUUID()}${crypto.randomUUID()}`.replaceAll('-', '');
    await storage.put(NONCE_KEY, nonce);
    return nonce;
  }

  private async loadCredential(): Promise<AgentCredential | null> {
    const raw = await this.options.host.storage.get(CREDENTIAL_KEY);
    if (!raw) return null;
    try {
      const value = JSON.parse(raw) as Partial<AgentCredential>;
      if (typeof value.computerId === 'string' && typeof value.credential === 'string') {
        return { computerId: value.computerId, credential: value.credential };
      }
    } catch {
      // A damaged credential file is as good as none: enroll again.
    }
    return null;
  }

  private emit(event: CycleEvent): void {
    this.options.onEvent?.(event);
  }
}

function fail(
  stage: 'enroll' | 'checkin',
  transient: boolean,
  message: string,
): Extract<CycleResult, { outcome: 'failed' }> {
  return { outcome: 'failed', stage, transient, message };
}

/** Unreachable, overloaded or failing servers are worth retrying; refusals are not. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ServerCallError)) return false;
  // A claimed re-image waits for an admin: ask again next cycle.
  if (error.code === 'reimage-pending') return true;
  return error.status === null || error.status === 429 || error.status >= 500;
}

/**
 * The server could not be reached: no connection, or a proxy or load balancer in front
 * of it saying so (502/503/504).
 */
function isOutage(error: unknown): boolean {
  if (!(error instanceof ServerCallError)) return false;
  return (
    error.status === null || error.status === 502 || error.status === 503 || error.status === 504
  );
}

/** The boot a restart was requested in; an unknown boot time counts as one boot. */
function bootKey(bootTime: string | null): string {
  return bootTime ?? 'unknown';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
