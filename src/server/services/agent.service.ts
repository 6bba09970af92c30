import type { PointSource } from '../../contracts/distribution.js';
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
import { countsAsAttempt } from '../../domain/deployment/attempt.js';
import { lateReportApplies } from '../../domain/deployment/status-moves.js';
import type { Clock } from '../../domain/clock.js';
import { silentAbsence } from '../../domain/computer-health.js';
import { effectivePolicy } from '../../domain/deployment/policy.js';
import { availableAtMs } from '../../domain/rollout/schedule.js';
import {
  decideAssignments,
  type DecidedAssignment,
  type KnownStatus,
} from '../../domain/rollout/assignment.js';
import type { ComputerRecord, ComputerRepository } from '../../store/computer.repository.js';
import type { AbsenceRepository } from '../../store/absence.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type {
  DeploymentRepository,
  ReachingDeployment,
} from '../../store/deployment.repository.js';
import type { StatusRepository } from '../../store/status.repository.js';
import type { UpdateRecord, UpdateRepository } from '../../store/update.repository.js';
import { inventoryChanged, toInventory, toldSite } from './computer.mapper.js';
import type { Inventory } from '../../contracts/inventory.js';
import { inventoryHash } from '../../contracts/inventory-hash.js';
import { IdleAnswers } from './idle-answers.js';
import type { RejectionRepository } from '../../store/rejection.repository.js';
import type { MembershipService } from './membership.service.js';
import { newId } from './secrets.js';
import type { SigningService } from './signing.service.js';
import type { SiteService } from './site.service.js';

export type AgentServiceOptions = {
  checkinIntervalSeconds: number;
  /** Called after reports are stored, so the engine can re-evaluate soon. */
  onReports?: (computerId: string, updateIds: readonly string[]) => Promise<void>;
  /** The version of the scan rules for a computer's platform, told at every check-in. */
  scanRulesVersion?: (platform: { os: string; arch: string }) => Promise<string>;
  /** The distribution points of a site, in the order its agents try them. */
  distributionPoints?: (site: string | null) => Promise<PointSource[]>;
};

/** The server's side of the agent protocol: check-ins and status reports. */
export class AgentService {
  private readonly idle = new IdleAnswers();

  constructor(
    private readonly computers: ComputerRepository,
    private readonly deployments: Pick<
      DeploymentRepository,
      'reachingForComputer' | 'contentReachesComputer'
    >,
    private readonly updates: UpdateRepository,
    private readonly statuses: StatusRepository,
    private readonly groups: GroupRepository,
    private readonly absences: AbsenceRepository,
    private readonly membership: MembershipService,
    private readonly sites: Pick<SiteService, 'checkin'>,
    private readonly signing: SigningService,
    private readonly rejections: RejectionRepository,
    private readonly clock: Clock,
    private readonly options: AgentServiceOptions,
  ) {}

  /** The repository keeps each update once read: updates never change. */
  private entry(updateId: string): Promise<UpdateRecord | undefined> {
    return this.updates.find(updateId);
  }

  /**
   * Whether this computer may download a file: only the files of updates its
   * deployments give it (see contentReachesComputer). One indexed query.
   */
  mayDownload(computerId: string, sha256: string): Promise<boolean> {
    return this.deployments.contentReachesComputer(computerId, sha256);
  }

  /**
   * A check-in by an authenticated computer (the route has loaded its row already), from
   * `address` (what this server sees: a subnet rule places the computer by it).
   * `unchanged`: the agent holds this very answer (its `answerTag`): answered 204.
   */
  async checkin(
    computer: ComputerRecord,
    request: CheckinRequest,
    address: string | null = computer.seenAddress ?? null,
  ): Promise<CheckinResponse | 'unchanged'> {
    const now = this.clock.now();
    const computerId = computer.id;
    const reported = request.inventory ? request.inventory.site : toldSite(computer);
    // Null unless its told site or its address changed: most check-ins read no rule.
    const placedAt = await this.sites.checkin(computer, reported, address);
    const told = takeInventory(computer, request, placedAt?.placement.site ?? computer.site);
    const { inventory } = told;
    // Most check-ins change nothing but the times: those wait in the SeenWriter.
    const scannedAt = request.scannedAt === undefined ? null : Date.parse(request.scannedAt);
    await this.computers.recordCheckin(
      computerId,
      told.write,
      now,
      scannedAt === (computer.scannedAt ?? null) ? null : scannedAt,
      placedAt,
    );
    const packages = await this.recordPackages(computer, request.packages);
    if (told.groupsSee || packages.stored) {
      await this.membership.refreshComputer(computerId, inventory);
    }
    const absent = absencesOf(request);
    await this.recordAbsences(computerId, absent, now);
    const silence = silentAbsence(
      computer.lastSeenAt,
      absent.length > 0,
      this.options.checkinIntervalSeconds,
      now,
    );
    if (silence) {
      await this.absences.add([{ ...silence, id: newId('abs'), computerId, receivedAt: now }]);
    }
    await this.rejections.add(
      (request.rejections ?? []).map((r) => ({
        ...r,
        computerId,
        at: Date.parse(r.at),
        receivedAt: now,
      })),
    );

    const reaching = await this.deployments.reachingForComputer(computerId);
    // The scan never fails a check-in: an unreadable catalog only leaves the version out.
    const scanRulesVersion = await this.options
      .scanRulesVersion?.(inventory)
      .catch(() => undefined);
    const asks = told.wanted || packages.wanted;
    const facts = {
      ackedSeq: computer.reportSeq,
      scanRulesVersion,
      rootVersion: await this.signing.rootVersion(),
    };
    if (
      reaching.length === 0 &&
      !asks &&
      this.idle.holds(computerId, request.answerTag, facts, now)
    ) {
      return 'unchanged';
    }

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
    const metadata = await this.signing.forCheckin(computerId, assignments, now);
    // Only a computer with files to fetch needs to know where from.
    const points =
      assignments.some((a) => a.files.length > 0) && this.options.distributionPoints
        ? await this.options.distributionPoints(inventory.site)
        : [];
    const answer: CheckinResponse = {
      computerId,
      assignments,
      nextCheckinSeconds,
      ackedSeq: computer.reportSeq,
      ...(scanRulesVersion === undefined ? {} : { scanRulesVersion }),
      metadata,
      ...(points.length > 0 ? { distributionPoints: points } : {}),
      ...(packages.wanted ? { sendPackages: true } : {}),
      ...(told.wanted ? { sendInventory: true } : {}),
    };
    if (assignments.length > 0 || asks) {
      this.idle.forget(computerId);
      return answer;
    }
    const answerTag = this.idle.keep(computerId, answer, {
      ...facts,
      reusableUntil: this.signing.reusableUntil(metadata),
    });
    return request.answerTag === answerTag ? 'unchanged' : { ...answer, answerTag };
  }

  /**
   * Stores a package list the check-in carries; without one, a hash other than the
   * stored one means the server lost or never had it: the answer asks for the list.
   */
  private async recordPackages(
    computer: ComputerRecord,
    packages: CheckinRequest['packages'],
  ): Promise<{ stored: boolean; wanted: boolean }> {
    if (!packages) return { stored: false, wanted: false };
    if (!packages.items) {
      return { stored: false, wanted: packages.hash !== (computer.packagesHash ?? null) };
    }
    // One row per name × arch: a list naming one twice keeps the last.
    const unique = new Map(packages.items.map((p) => [`${p.name}\u0000${p.arch}`, p]));
    await this.computers.replacePackages(computer.id, packages.manager, packages.hash, [
      ...unique.values(),
    ]);
    return { stored: true, wanted: false };
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
    const windows: MaintenanceWindow[] = memberships.flatMap((g) => g.windows);
    const groupPolicies = memberships.map((g) => g.policy);
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
    const ackedSeq = await this.statuses.applyReports(
      computerId,
      reports,
      known,
      this.clock.now(),
      countsAsAttempt,
      lateReportApplies,
    );
    await this.options.onReports?.(computerId, [...known]);
    return { ackedSeq };
  }
}

/**
 * The inventory a check-in tells: the one sent (written with its hash when the hash
 * differs from the stored one), or, for a hash alone, the stored one; a hash other than
 * the stored one asks the agent for its inventory. Its site is the effective one, `site`
 * (what groups see and where it downloads from); what is written keeps the told site.
 */
function takeInventory(
  computer: ComputerRecord,
  request: CheckinRequest,
  site: string | null,
): {
  inventory: Inventory;
  write: { inventory: Inventory; hash: string } | null;
  /** A field a group query sees changed: memberships are evaluated again. */
  groupsSee: boolean;
  wanted: boolean;
} {
  const sent = request.inventory;
  if (!sent) {
    const wanted = request.inventoryHash !== (computer.inventoryHash ?? null);
    const inventory = { ...toInventory(computer), site };
    return { inventory, write: null, groupsSee: site !== computer.site, wanted };
  }
  const hash = inventoryHash(sent);
  const inventory = { ...sent, site };
  return {
    inventory,
    write: hash === (computer.inventoryHash ?? null) ? null : { inventory: sent, hash },
    groupsSee: inventoryChanged(computer, inventory),
    wanted: false,
  };
}

function toAssignment(decided: DecidedAssignment, entry: UpdateRecord): Assignment {
  const { plan } = decided;
  const deadline = decided.deadline === null ? null : new Date(decided.deadline).toISOString();
  return {
    deploymentId: decided.deploymentId,
    updateId: decided.updateId,
    action: decided.action,
    manifest: entry.manifest,
    files: entry.files,
    policy: decided.policy,
    installAt:
      decided.policy === 'scheduled'
        ? new Date(
            Math.max(availableAtMs(plan, decided.createdAt), decided.installFrom ?? 0),
          ).toISOString()
        : null,
    deadline,
    noAutoRestartWhileLoggedOn: plan.noAutoRestartWhileLoggedOn,
    emergency: plan.emergency !== undefined,
  };
}
