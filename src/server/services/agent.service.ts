import type {
  Absence,
  Assignment,
  CheckinRequest,
  CheckinResponse,
  ReportsResponse,
  StatusReport,
} from '../../contracts/agent-protocol.js';
import { absencesOf } from '../../contracts/agent-protocol.js';
import type { MaintenanceWindow } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import { silentAbsence } from '../../domain/computer-health.js';
import { availableAtMs } from '../../domain/rollout/schedule.js';
import { decideOffers, type KnownStatus, type Offer } from '../../domain/rollout/offer.js';
import type { FailureReason, StatusState } from '../../domain/status.js';
import type { ComputerRecord, ComputerRepository } from '../../store/computer.repository.js';
import type { AbsenceRepository } from '../../store/absence.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type { RolloutRepository } from '../../store/rollout.repository.js';
import type { StatusRepository } from '../../store/status.repository.js';
import type { UpdateRecord, UpdateRepository } from '../../store/update.repository.js';
import { storedPlan } from '../engine/rollout-driver.js';
import { inventoryChanged } from './computer.mapper.js';
import type { MembershipService } from './membership.service.js';
import { newId } from './secrets.js';

export type AgentServiceOptions = {
  checkinIntervalSeconds: number;
  /** Called after reports are stored, so the engine can re-evaluate soon. */
  onReports?: (computerId: string, updateIds: readonly string[]) => Promise<void>;
};

/** The server's side of the agent protocol: check-ins and status reports. */
export class AgentService {
  constructor(
    private readonly computers: ComputerRepository,
    private readonly rollout: RolloutRepository,
    private readonly updates: UpdateRepository,
    private readonly statuses: StatusRepository,
    private readonly groups: GroupRepository,
    private readonly absences: AbsenceRepository,
    private readonly membership: MembershipService,
    private readonly clock: Clock,
    private readonly options: AgentServiceOptions,
  ) {}

  /** The repository keeps each update once read: updates never change. */
  private entry(updateId: string): Promise<UpdateRecord | undefined> {
    return this.updates.find(updateId);
  }

  /** A check-in by an authenticated computer (the route has loaded its row already). */
  async checkin(computer: ComputerRecord, request: CheckinRequest): Promise<CheckinResponse> {
    const now = this.clock.now();
    const computerId = computer.id;
    const { inventory } = request;
    const changed = inventoryChanged(computer, inventory);
    // Most check-ins change nothing but the time: write only that.
    await this.computers.recordCheckin(
      computerId,
      changed ||
        computer.freeDiskMB !== inventory.freeDiskMB ||
        computer.bootTime !== inventory.bootTime
        ? inventory
        : null,
      now,
    );
    if (changed) await this.membership.refreshComputer(computerId, inventory);
    const told = absencesOf(request);
    await this.recordAbsences(computerId, told, now);
    const silence = silentAbsence(
      computer.lastSeenAt,
      told.length > 0,
      this.options.checkinIntervalSeconds,
      now,
    );
    if (silence) {
      await this.absences.add([{ ...silence, id: newId('abs'), computerId, receivedAt: now }]);
    }

    const reaching = await this.rollout.reachingForComputer(computerId);
    let nextCheckinSeconds = this.options.checkinIntervalSeconds;
    const assignments: Assignment[] = [];
    if (reaching.length > 0) {
      const decision = await this.decide(computerId, reaching, now);
      for (const offer of decision.offers) {
        const entry = await this.entry(offer.updateId);
        if (entry) assignments.push(toAssignment(offer, entry));
      }
      if (decision.nextStartAt !== null) {
        const untilWindow = Math.max(1, Math.ceil((decision.nextStartAt - now) / 1000));
        nextCheckinSeconds = Math.min(nextCheckinSeconds, untilWindow);
      }
    }
    return { computerId, assignments, nextCheckinSeconds, ackedSeq: computer.reportSeq };
  }

  private async decide(
    computerId: string,
    reaching: Awaited<ReturnType<RolloutRepository['reachingForComputer']>>,
    now: number,
  ) {
    const statuses = new Map<string, KnownStatus>(
      (await this.statuses.forComputer(computerId)).map((s) => [
        s.update_id,
        {
          state: s.state as StatusState,
          reason: s.reason as FailureReason | null,
          updatedAt: Number(s.updated_at),
          attempts: Number(s.attempts),
        },
      ]),
    );
    const supersedes = new Map<string, string[]>();
    const installTimeouts = new Map<string, number>();
    for (const r of reaching) {
      const entry = await this.entry(r.update_id);
      if (!entry) continue;
      supersedes.set(r.update_id, entry.manifest.supersedes);
      installTimeouts.set(r.update_id, entry.manifest.install.timeoutSeconds);
    }
    const memberships = await this.groups.groupsOf(computerId);
    const windows: MaintenanceWindow[] = memberships.flatMap((g) => g.windows);
    return decideOffers(
      {
        reaching: reaching.map((r) => ({
          deploymentId: r.id,
          updateId: r.update_id,
          action: r.action === 'uninstall' ? 'uninstall' : 'install',
          plan: storedPlan(r),
          createdAt: Number(r.created_at),
          deadline: r.deadline === null ? null : Number(r.deadline),
          readvertisedAt: r.readvertised_at === null ? null : Number(r.readvertised_at),
        })),
        supersedes,
        installTimeouts,
        statuses,
        groups: memberships.map((g) => g.name),
        windows,
      },
      now,
    );
  }

  /** What the agent tells of its time away (the check-in's `absences`) is stored as absences. */
  private async recordAbsences(computerId: string, told: Absence[], now: number): Promise<void> {
    await this.absences.add(
      told.map((e) => ({
        id: newId('abs'),
        computerId,
        kind: e.kind,
        from: Date.parse(e.from),
        to: Date.parse(e.to),
        detail: e.detail,
        receivedAt: now,
      })),
    );
  }

  async report(computerId: string, reports: StatusReport[]): Promise<ReportsResponse> {
    const known = new Set<string>();
    for (const id of new Set(reports.map((r) => r.updateId))) {
      if (await this.entry(id)) known.add(id);
    }
    const ackedSeq = await this.statuses.applyReports(computerId, reports, known, this.clock.now());
    await this.options.onReports?.(computerId, [...known]);
    return { ackedSeq };
  }
}

function toAssignment(offer: Offer, entry: UpdateRecord): Assignment {
  const { plan } = offer;
  const deadline = offer.deadline === null ? null : new Date(offer.deadline).toISOString();
  return {
    deploymentId: offer.deploymentId,
    updateId: offer.updateId,
    action: offer.action,
    manifest: entry.manifest,
    files: entry.files,
    policy: plan.policy,
    installAt:
      plan.policy === 'scheduled'
        ? new Date(availableAtMs(plan, offer.createdAt)).toISOString()
        : null,
    deadline,
    noAutoRestartWhileLoggedOn: plan.noAutoRestartWhileLoggedOn,
    emergency: plan.emergency !== undefined,
  };
}
