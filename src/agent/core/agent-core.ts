import type { Assignment, StatusReport } from '../../contracts/agent-protocol.js';
import { handleAssignment, type AssignmentEnd, type Step } from './assignment.js';
import {
  absencesToSend,
  loadAbsences,
  noteCheckinOk,
  noteStart,
  noteStop,
  noteUnreachable,
  saveAbsences,
  type AbsenceState,
} from './absence.js';
import type { Host } from './host.js';
import type { Installer } from './installer.js';
import { applyUserRequests, pendingUpdates, type PendingRestartView } from './local-user.js';
import { enrollmentNonce, forgetCredential, loadCredential, saveCredential } from './credential.js';
import { forgetWhatLeft } from './forget.js';
import { loadMemory, nextDueAt, saveMemory, type AgentMemory } from './memory.js';
import { Outbox } from './outbox.js';
import {
  fail,
  isOutage,
  isTransient,
  messageOf,
  type CycleEvent,
  type CycleResult,
  type RestartOutcome,
} from './cycle.js';
import { bootKey, decideRestart, runRestart } from './restart.js';
import { notePackagesTaken, packagesForCheckin } from './packages.js';
import { inventoryForCheckin, noteInventoryTaken, noteOldServer } from './inventory.js';
import { forgetIdleAnswer, loadIdleAnswer, noteAnswerTaken } from './idle-answer.js';
import { loadScanState, runScan } from './scan.js';
import { confirmsTrial, judgeTrial, type AgentTrial } from './agent-trial.js';
import type { Refusal, TrustCrypto } from './trust.js';
import {
  addRejection,
  checkAnswer,
  clearRejections,
  loadRejections,
  pinEnrolledRoot,
} from './trust-check.js';
import {
  retryAfterOf,
  ServerCallError,
  type AgentCredential,
  type ServerClient,
} from './server-client.js';

export type { CycleEvent, CycleResult, RestartOutcome } from './cycle.js';
export { isTransient } from './cycle.js';

export interface AgentCoreOptions {
  host: Host;
  /** Runs install and uninstall commands (e.g. installers/command-installer). */
  installer: Installer;
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
  /**
   * Verifies the signed metadata of every answer (trust-check.ts): the CLI agent and
   * the simulator always give it. Without it answers are taken as they come, for tests
   * of the other parts of the core.
   */
  verifier?: TrustCrypto;
}

const MAX_MESSAGE = 2000;
const MAX_OUTPUT = 8192;
const FINAL_ENDS: ReadonlySet<AssignmentEnd> = new Set([
  'installed',
  'not-applicable',
  'uninstalled',
]);

/**
 * The agent's cycle, free of I/O: take the local user's requests, enroll if needed,
 * flush the outbox, check in (with its absences since the last one), carry out each
 * assignment under its client policy, restart if allowed, report, publish what waits
 * for the user. The real agent and every simulated computer run it.
 */
export class AgentCore {
  private readonly outbox: Outbox;
  /** An admin asked for a scan (push `kind: scan`): the next cycle sends every finding. */
  private fullScanAsked = false;
  /** The agent switched versions and must restart (why): no further assignment runs. */
  private restarting: string | null = null;

  constructor(private readonly options: AgentCoreOptions) {
    this.outbox = new Outbox(options.host.storage);
  }

  /** The agent process starts: a clean stop recorded earlier becomes an event. */
  async started(): Promise<void> {
    const { storage } = this.options.host;
    const state = await loadAbsences(storage);
    const next = noteStart(state, this.options.now());
    if (next !== state) await saveAbsences(storage, next);
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
    const state = await loadAbsences(host.storage);
    await saveAbsences(host.storage, noteStop(state, this.options.now(), why));
  }

  /** The next cycle's scan sends every finding, not only the changes. */
  requestScan(): void {
    this.fullScanAsked = true;
  }

  async runCycle(): Promise<CycleResult> {
    const { host, client } = this.options;
    const inventory = await host.inventory();
    const trial = await this.judgeTrial(inventory.agentVersion);
    if (trial.kind === 'restart') return fail('checkin', true, trial.message);
    const memory = await loadMemory(host.storage);
    await this.takeUserRequests(memory);

    let auth = await loadCredential(this.options.host.storage);
    if (!auth) {
      const token = this.options.enrollmentToken;
      if (!token) {
        return fail('enroll', false, 'not enrolled and no enrollment token given');
      }
      try {
        const nonce = await enrollmentNonce(host.storage);
        auth = await client.enroll({ enrollmentToken: token, inventory, nonce });
      } catch (error) {
        await this.noteFailure(error);
        return fail(
          'enroll',
          isTransient(error),
          `enrollment failed: ${messageOf(error)}`,
          retryAfterOf(error),
        );
      }
      const answer = auth;
      auth = { computerId: answer.computerId, credential: answer.credential };
      await saveCredential(host.storage, auth);
      this.emit({ type: 'enrolled', computerId: auth.computerId });
      const bad = this.options.verifier
        ? await pinEnrolledRoot(host.storage, answer, this.options.verifier)
        : null;
      if (bad) await this.reject(bad);
    }

    const flushed = await this.flush(auth);
    if (!flushed.ok && flushed.retryAfterSeconds !== null) {
      // The server shed the reports: it is overloaded, and a check-in now would add to it.
      return fail(
        'checkin',
        true,
        'the server is overloaded: the reports wait in the outbox',
        flushed.retryAfterSeconds,
      );
    }
    let flushBroken = !flushed.ok;

    const absent = await loadAbsences(host.storage);
    const absences = absencesToSend(absent, this.options.now());
    const { scannedAt } = await loadScanState(host.storage);
    const verifier = this.options.verifier;
    const rejections = verifier ? await loadRejections(host.storage) : [];
    const packages = await packagesForCheckin(host);
    const told = await inventoryForCheckin(host.storage, inventory);
    // A refused answer is told as a rejection: then nothing held is worth naming.
    const held = rejections.length > 0 ? null : await loadIdleAnswer(host.storage);
    let checkin;
    try {
      const answer = await client.checkin(auth, {
        ...told,
        ...(held?.answerTag === undefined ? {} : { answerTag: held.answerTag }),
        ...(absences.length > 0 ? { absences } : {}),
        ...(scannedAt === null ? {} : { scannedAt }),
        ...(rejections.length > 0 ? { rejections } : {}),
        ...(packages ? { packages } : {}),
      });
      if (answer !== 'unchanged') checkin = answer;
      else if (held) checkin = held;
      else throw new ServerCallError('the server answered 204 to a check-in', 204, 'no-answer');
    } catch (error) {
      await this.publish(auth, memory, null);
      if (error instanceof ServerCallError && error.status === 400 && 'inventoryHash' in told) {
        // A server before 0.2 wants the inventory itself: check-ins send it from now on.
        await noteOldServer(host.storage);
      }
      if (error instanceof ServerCallError && (error.status === 401 || error.status === 403)) {
        // The server no longer knows this credential (computer deleted or re-imaged):
        // forget it, so the next cycle enrolls afresh.
        // The identity is refused, not the reports: they wait in the outbox for the
        // next enrollment (and are set aside if the server refuses them then).
        await forgetCredential(host.storage);
        this.emit({ type: 'credential-rejected', message: messageOf(error) });
        return fail('checkin', true, `check-in refused: ${messageOf(error)}`);
      }
      await this.noteFailure(error, absent);
      return fail(
        'checkin',
        isTransient(error),
        `check-in failed: ${messageOf(error)}`,
        retryAfterOf(error),
      );
    }
    if (verifier) {
      const refused = await checkAnswer({
        store: host.storage,
        client,
        auth,
        answer: checkin,
        now: this.options.now(),
        crypto: verifier,
      });
      if (refused) {
        // Nothing of a refused answer is acted on: no assignment, no acknowledgement.
        if (held) await forgetIdleAnswer(host.storage);
        await this.reject(refused);
        await this.publish(auth, memory, null);
        return fail('checkin', true, `answer refused (${refused.reason}): ${refused.detail}`);
      }
      if (rejections.length > 0) await clearRejections(host.storage);
    }
    if (trial.kind === 'open' && confirmsTrial(trial.trial, inventory.agentVersion)) {
      await host.agentVersions?.confirm();
      this.emit({
        type: 'agent-trial',
        outcome: 'confirmed',
        message: `agent ${inventory.agentVersion} checked in: its trial is over (${trial.trial.from} kept as the previous version)`,
      });
    }
    await notePackagesTaken(host.storage, packages, checkin.sendPackages === true);
    await noteInventoryTaken(
      host.storage,
      told,
      checkin.sendInventory === true,
      checkin.answerTag !== undefined,
    );
    await noteAnswerTaken(host.storage, held, checkin);
    const delivered = noteCheckinOk(absent);
    if (delivered !== absent) await saveAbsences(host.storage, delivered);
    if (absences.length > 0) this.emit({ type: 'absences-sent', absences });
    await this.outbox.acknowledge(checkin.ackedSeq);
    this.emit({
      type: 'checked-in',
      computerId: auth.computerId,
      assignments: checkin.assignments.length,
    });

    await forgetWhatLeft(host, memory, checkin.assignments, (e) => this.emit(e));

    const results: Extract<CycleResult, { outcome: 'ok' }>['assignments'] = [];
    const keepContent = new Set<string>();
    for (const assignment of checkin.assignments) {
      if (this.options.shouldStop?.() || this.restarting !== null) {
        // Keep the files of what we did not get to.
        for (const a of checkin.assignments) for (const f of a.files) keepContent.add(f.sha256);
        break;
      }
      const report = async (step: Step): Promise<void> => {
        await this.record(assignment, step);
        if (this.options.flushEachReport !== false && !flushBroken) {
          flushBroken = !(await this.flush(auth)).ok;
        }
      };
      let end: AssignmentEnd;
      try {
        end = await handleAssignment(
          {
            host,
            installer: this.options.installer,
            client,
            auth,
            inventory,
            points: checkin.distributionPoints ?? [],
            memory,
            saveMemory: () => saveMemory(host.storage, memory),
            now: this.options.now,
            report,
            restartAgent: (message) => this.restart(message),
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
    await this.scan(auth, inventory, checkin.scanRulesVersion, memory);

    const rebooting = checkin.assignments.filter((a) =>
      results.some(
        (r) =>
          r.updateId === a.updateId && (r.end === 'pending-reboot' || r.end === 'awaiting-reboot'),
      ),
    );
    const say = (outcome: RestartOutcome, updates: string[], message: string): void =>
      this.emit({ type: 'restart', outcome, updates, message });
    const restart = await decideRestart(host, memory, rebooting, this.options.now(), say);
    await this.publish(auth, memory, restart);
    if (restart?.run) await runRestart(host, restart.updates, say);

    return {
      outcome: 'ok',
      computerId: auth.computerId,
      nextCheckinSeconds: checkin.nextCheckinSeconds,
      assignments: results,
      nextDueAt: nextDueAt(memory, restart, this.options.now().getTime()),
    };
  }

  /**
   * A new agent version on trial (agent-trial.ts): still open, or failed, in which case
   * the launcher is pointed back at the previous version, the failure goes into the
   * outbox, and when this process is not that version it restarts into it.
   */
  private async judgeTrial(
    running: string,
  ): Promise<
    { kind: 'none' } | { kind: 'open'; trial: AgentTrial } | { kind: 'restart'; message: string }
  > {
    const versions = this.options.host.agentVersions;
    const trial = versions ? await versions.loadTrial() : null;
    if (!versions || !trial) return { kind: 'none' };
    const verdict = judgeTrial(trial, running, await versions.starts(), this.options.now());
    if (verdict.kind === 'on-trial') return { kind: 'open', trial };
    if (verdict.kind === 'none') return { kind: 'none' };
    await versions.restore();
    await this.record(trial, {
      state: 'failed',
      reason: 'agent-update-failed',
      message: verdict.message,
    });
    this.emit({ type: 'agent-trial', outcome: 'restored', message: verdict.message });
    if (!verdict.restart) return { kind: 'none' };
    this.restart(verdict.message);
    return { kind: 'restart', message: verdict.message };
  }

  private restart(message: string): void {
    this.restarting = message;
    this.emit({ type: 'agent-restart', message });
  }

  /** Looks at what is really installed and tells the server what changed. */
  private async scan(
    auth: AgentCredential,
    inventory: Awaited<ReturnType<Host['inventory']>>,
    version: string | undefined,
    memory: AgentMemory,
  ): Promise<void> {
    const full = this.fullScanAsked;
    this.fullScanAsked = false;
    const { host, client, now } = this.options;
    const busy = new Set(Object.keys(memory.running));
    const outcome = await runScan({ host, client, auth, inventory, version, full, busy, now });
    if (outcome.kind === 'scanned') this.emit({ type: 'scanned', ...outcome, full });
    if (outcome.kind === 'failed') {
      if (full) this.fullScanAsked = true;
      this.emit({ type: 'scan-failed', message: outcome.message });
    }
  }

  /** The computer's credential, once enrolled (the push channel needs it). */
  async credential(): Promise<AgentCredential | null> {
    return await loadCredential(this.options.host.storage);
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

  /** A check-in (or enrollment) that could not reach the server starts an outage. */
  private async noteFailure(error: unknown, known?: AbsenceState): Promise<void> {
    if (!isOutage(error)) return;
    const { storage } = this.options.host;
    const state = known ?? (await loadAbsences(storage));
    const next = noteUnreachable(state, this.options.now(), messageOf(error));
    if (next !== state) await saveAbsences(storage, next);
  }

  private async record(
    assignment: Pick<Assignment, 'updateId' | 'deploymentId'>,
    step: Step,
  ): Promise<void> {
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

  /** Sends what the outbox holds; not ok when the server could not take it now. */
  private async flush(
    auth: AgentCredential,
  ): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number | null }> {
    try {
      const { sent, quarantined } = await this.outbox.flush(this.options.client, auth);
      for (const q of quarantined) this.emit({ type: 'quarantined', ...q });
      if (sent > 0) this.emit({ type: 'flushed', sent });
      return { ok: true };
    } catch (error) {
      this.emit({ type: 'flush-failed', message: messageOf(error) });
      return { ok: false, retryAfterSeconds: retryAfterOf(error) };
    }
  }

  /** A refused answer: kept to tell the server at the next check-in, and logged. */
  private async reject(refusal: Refusal): Promise<void> {
    const rejection = await addRejection(this.options.host.storage, refusal, this.options.now());
    this.emit({ type: 'rejected', rejection });
  }

  private emit(event: CycleEvent): void {
    this.options.onEvent?.(event);
  }
}
