import type {
  AgentEvent,
  Assignment,
  CheckinRequest,
  CheckinResponse,
  ReportsResponse,
  StatusReport,
} from '../../contracts/agent-protocol.js';
import { updateManifest, type UpdateManifest } from '../../contracts/manifest.js';
import type { MaintenanceWindow } from '../../contracts/plan.js';
import type { Clock } from '../../domain/clock.js';
import { silentAbsence } from '../../domain/computer-health.js';
import { effectivePolicy, type ClientPolicy } from '../../domain/deployment/policy.js';
import { availableAtMs } from '../../domain/rollout/schedule.js';
import {
  decideAssignments,
  type DecidedAssignment,
  type KnownStatus,
} from '../../domain/rollout/assignment.js';
import type { ComputerRecord, ComputerRepository } from '../../store/computer.repository.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type {
  DeploymentRepository,
  ReachingDeployment,
} from '../../store/deployment.repository.js';
import type { StatusRepository } from '../../store/status.repository.js';
import type { UpdateFileTable } from '../../store/schema.js';
import type { UpdateRepository } from '../../store/update.repository.js';
import { inventoryChanged, inventoryColumns } from './computer.mapper.js';
import { parseWindows } from './group.service.js';
import type { MembershipService } from './membership.service.js';
import { newId } from './secrets.js';

export type AgentServiceOptions = {
  checkinIntervalSeconds: number;
  /** Called after reports are stored, so the engine can re-evaluate soon. */
  onReports?: () => void;
};

type CatalogEntry = { manifest: UpdateManifest; files: UpdateFileTable[] };

/** The server's side of the agent protocol: check-ins and status reports. */
export class AgentService {
  /** Manifests never change once imported (a new revision gets a new id). */
  private readonly catalog = new Map<string, CatalogEntry>();

  constructor(
    private readonly computers: ComputerRepository,
    private readonly deployments: Pick<DeploymentRepository, 'reachingForComputer'>,
    private readonly updates: UpdateRepository,
    private readonly statuses: StatusRepository,
    private readonly groups: GroupRepository,
    private readonly events: EventRepository,
    private readonly membership: MembershipService,
    private readonly clock: Clock,
    private readonly options: AgentServiceOptions,
  ) {}

  private async entry(updateId: string): Promise<CatalogEntry | undefined> {
    const cached = this.catalog.get(updateId);
    if (cached) return cached;
    const update = await this.updates.find(updateId);
    if (!update) return undefined;
    const entry = {
      manifest: updateManifest.parse(JSON.parse(update.manifest)),
      files: update.files,
    };
    this.catalog.set(updateId, entry);
    return entry;
  }

  /** A check-in by an authenticated computer (the route has loaded its row already). */
  async checkin(computer: ComputerRecord, request: CheckinRequest): Promise<CheckinResponse> {
    const now = this.clock.now();
    const computerId = computer.id;
    const columns = inventoryColumns(request.inventory);
    const changed = inventoryChanged(computer, columns);
    // Most check-ins change nothing but the time: write only that.
    await this.computers.recordCheckin(
      computerId,
      changed ||
        computer.free_disk_mb !== columns.free_disk_mb ||
        computer.boot_time !== columns.boot_time
        ? columns
        : null,
      now,
    );
    if (changed) await this.membership.refreshComputer(computerId, request.inventory);
    await this.recordEvents(computerId, request.events, now);
    const silence = silentAbsence(
      computer.last_seen_at === null ? null : Number(computer.last_seen_at),
      request.events.length > 0,
      this.options.checkinIntervalSeconds,
      now,
    );
    if (silence) {
      await this.events.addComputerEvents([
        {
          id: newId('cev'),
          computer_id: computerId,
          kind: silence.kind,
          from_at: silence.from,
          to_at: silence.to,
          detail: silence.detail,
          received_at: now,
        },
      ]);
    }

    const reaching = await this.deployments.reachingForComputer(computerId);
    let nextCheckinSeconds = this.options.checkinIntervalSeconds;
    const assignments: Assignment[] = [];
    if (reaching.length > 0) {
      const decision = await this.decide(computerId, reaching, now);
      for (const decided of decision.assignments) {
        const entry = await this.entry(decided.updateId);
        if (entry) assignments.push(toAssignment(decided, entry));
      }
      if (decision.nextStartAt !== null) {
        const untilWindow = Math.max(1, Math.ceil((decision.nextStartAt - now) / 1000));
        nextCheckinSeconds = Math.min(nextCheckinSeconds, untilWindow);
      }
    }
    return { computerId, assignments, nextCheckinSeconds, ackedSeq: Number(computer.report_seq) };
  }

  private async decide(computerId: string, reaching: readonly ReachingDeployment[], now: number) {
    const statuses = new Map<string, KnownStatus>(
      (await this.statuses.forComputer(computerId)).map((s) => [
        s.updateId,
        { state: s.state, reason: s.reason, updatedAt: s.updatedAt, attempts: s.attempts },
      ]),
    );
    const supersedes = new Map<string, string[]>();
    const installTimeouts = new Map<string, number>();
    for (const r of reaching) {
      const entry = await this.entry(r.updateId);
      if (!entry) continue;
      supersedes.set(r.updateId, entry.manifest.supersedes);
      installTimeouts.set(r.updateId, entry.manifest.install.timeoutSeconds);
    }
    const memberships = await this.groups.groupsOf(computerId);
    const windows: MaintenanceWindow[] = memberships.flatMap((g) => parseWindows(g.windows));
    const groupPolicies = memberships.map(groupPolicy);
    return decideAssignments(
      {
        reaching: reaching.map((r) => ({
          deploymentId: r.id,
          updateId: r.updateId,
          action: r.action,
          plan: r.plan,
          policy: effectivePolicy(r.policy, groupPolicies).policy,
          createdAt: r.createdAt,
          deadline: r.deadline,
          readvertisedAt: r.readvertisedAt,
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

  private async recordEvents(computerId: string, events: AgentEvent[], now: number): Promise<void> {
    await this.events.addComputerEvents(
      events.map((e) => ({
        id: newId('cev'),
        computer_id: computerId,
        kind: e.kind,
        from_at: Date.parse(e.from),
        to_at: Date.parse(e.to),
        detail: e.detail,
        received_at: now,
      })),
    );
  }

  async report(computerId: string, reports: StatusReport[]): Promise<ReportsResponse> {
    const known = new Set<string>();
    for (const id of new Set(reports.map((r) => r.updateId))) {
      if (await this.entry(id)) known.add(id);
    }
    const ackedSeq = await this.statuses.applyReports(computerId, reports, known, this.clock.now());
    this.options.onReports?.();
    return { ackedSeq };
  }
}

/**
 * A group's client policy, once groups have one (helper "store" adds
 * `policy` to the group record); null until then, so the deployment's or the
 * default applies.
 */
function groupPolicy(group: object): ClientPolicy | null {
  const policy = (group as { policy?: unknown }).policy;
  return policy === 'notify' || policy === 'auto-download' || policy === 'scheduled'
    ? policy
    : null;
}

function toAssignment(decided: DecidedAssignment, entry: CatalogEntry): Assignment {
  const { plan } = decided;
  const deadline = decided.deadline === null ? null : new Date(decided.deadline).toISOString();
  return {
    deploymentId: decided.deploymentId,
    updateId: decided.updateId,
    action: decided.action,
    manifest: entry.manifest,
    files: entry.files.map((f) => ({ path: f.path, sha256: f.sha256, size: Number(f.size) })),
    policy: decided.policy,
    installAt:
      decided.policy === 'scheduled'
        ? new Date(availableAtMs(plan, decided.createdAt)).toISOString()
        : null,
    deadline,
    noAutoRestartWhileLoggedOn: plan.noAutoRestartWhileLoggedOn,
    emergency: plan.emergency !== undefined,
  };
}
