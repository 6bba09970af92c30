import type { Assignment, StatusReport } from '../../contracts/agent-protocol.js';
import { handleAssignment, type AssignmentEnd, type Step } from './assignment.js';
import type { Host } from './host.js';
import { loadMemory, saveMemory } from './memory.js';
import { Outbox } from './outbox.js';
import { ServerCallError, type AgentCredential, type ServerClient } from './server-client.js';

export interface AgentCoreOptions {
  host: Host;
  client: ServerClient;
  /** Needed only until the computer has enrolled. */
  enrollmentToken?: string | undefined;
  /** The injected clock: report times come from here. */
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

export type CycleEvent =
  | { type: 'enrolled'; computerId: string }
  | { type: 'checked-in'; computerId: string; assignments: number }
  | { type: 'report'; report: StatusReport }
  | { type: 'awaiting-reboot'; updateId: string }
  | { type: 'flushed'; sent: number }
  | { type: 'flush-failed'; message: string }
  | { type: 'credential-rejected'; message: string };

export type CycleResult =
  | {
      outcome: 'ok';
      computerId: string;
      nextCheckinSeconds: number;
      assignments: { updateId: string; action: Assignment['action']; end: AssignmentEnd }[];
    }
  | {
      outcome: 'failed';
      stage: 'enroll' | 'checkin';
      /** Worth retrying as is: the server was unreachable or had a passing fault. */
      transient: boolean;
      message: string;
    };

const CREDENTIAL_KEY = 'credential';
const MAX_MESSAGE = 2000;
const MAX_OUTPUT = 8192;

/**
 * The agent's cycle, free of I/O: enroll if needed, flush the outbox, check in, carry
 * out each assignment, report. The real agent and every simulated computer run it.
 */
export class AgentCore {
  private readonly outbox: Outbox;

  constructor(private readonly options: AgentCoreOptions) {
    this.outbox = new Outbox(options.host.storage);
  }

  async runCycle(): Promise<CycleResult> {
    const { host, client } = this.options;
    const inventory = await host.inventory();

    let auth = await this.loadCredential();
    if (!auth) {
      const token = this.options.enrollmentToken;
      if (!token) {
        return fail('enroll', false, 'not enrolled and no enrollment token given');
      }
      try {
        auth = await client.enroll({ enrollmentToken: token, inventory });
      } catch (error) {
        return fail('enroll', isTransient(error), `enrollment failed: ${messageOf(error)}`);
      }
      await host.storage.put(CREDENTIAL_KEY, JSON.stringify(auth));
      this.emit({ type: 'enrolled', computerId: auth.computerId });
    }

    let flushBroken = !(await this.flush(auth));

    let checkin;
    try {
      checkin = await client.checkin(auth, { inventory });
    } catch (error) {
      if (error instanceof ServerCallError && (error.status === 401 || error.status === 403)) {
        // The server no longer knows this credential (computer deleted or re-imaged):
        // forget it, so the next cycle enrolls afresh.
        await host.storage.delete(CREDENTIAL_KEY);
        await this.outbox.clear();
        this.emit({ type: 'credential-rejected', message: messageOf(error) });
        return fail('checkin', true, `check-in refused: ${messageOf(error)}`);
      }
      return fail('checkin', isTransient(error), `check-in failed: ${messageOf(error)}`);
    }
    await this.outbox.acknowledge(checkin.ackedSeq);
    this.emit({
      type: 'checked-in',
      computerId: auth.computerId,
      assignments: checkin.assignments.length,
    });

    const memory = await loadMemory(host.storage);
    const assigned = new Set(checkin.assignments.map((a) => a.updateId));
    let memoryChanged = false;
    for (const updateId of Object.keys(memory.reboots)) {
      if (!assigned.has(updateId)) {
        delete memory.reboots[updateId];
        memoryChanged = true;
      }
    }
    if (memoryChanged) await saveMemory(host.storage, memory);

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
      if (end !== 'installed' && end !== 'not-applicable' && end !== 'uninstalled') {
        for (const file of assignment.files) keepContent.add(file.sha256);
      }
    }
    await host.content.prune(keepContent);
    if (!flushBroken) await this.flush(auth);

    return {
      outcome: 'ok',
      computerId: auth.computerId,
      nextCheckinSeconds: checkin.nextCheckinSeconds,
      assignments: results,
    };
  }

  /** Unsent reports, oldest first (for tests and diagnostics). */
  async pendingReports(): Promise<readonly StatusReport[]> {
    return await this.outbox.pending();
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
  return error.status === null || error.status === 429 || error.status >= 500;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
