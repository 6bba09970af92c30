import type { StaleReportRow, StatusView } from '../../contracts/api.js';
import type { Clock } from '../../domain/clock.js';
import { computerHealth } from '../../domain/computer-health.js';
import { noStatusState } from '../../domain/deployment/counts.js';
import { explainStatus } from '../../domain/deployment/explain.js';
import { staleness } from '../../domain/deployment/stale.js';
import { assigningStates } from '../../domain/deployment/state.js';
import { recurrenceSecondsFor } from '../../domain/rollout/retry.js';
import type { ComputerRecord } from '../../store/computer.repository.js';
import type { DeploymentRecord, DeploymentRepository } from '../../store/deployment.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type { StatusRecord } from '../../store/status.repository.js';
import type { TargetStatus } from '../../store/deployment.records.js';
import { toStatusView } from './computer.mapper.js';

export type DeploymentComputerView = StatusView & { phase: string | null };

/**
 * Statuses that explain themselves: each with why it waits, its computer's last
 * check-in and whether it needs investigation (stale), computed at `now` from the
 * status, its deployment and its computer. The deployment detail, `computer show`
 * and the stale report all read them here.
 */
export class StatusExplainer {
  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly groups: GroupRepository,
    private readonly clock: Clock,
    private readonly checkinIntervalSeconds: number,
  ) {}

  /** Computers × updates of a deployment (a page of them), each explained. */
  async explainTargets(
    row: DeploymentRecord,
    targets: readonly TargetStatus[],
  ): Promise<DeploymentComputerView[]> {
    const now = this.clock.now();
    const { plan } = row;
    const phases = await this.deployments.phases(row.id);
    const noStatus = noStatusState(row.state);
    const out: DeploymentComputerView[] = [];
    const groupsOf = await this.groups.groupNamesOf([...new Set(targets.map((t) => t.computerId))]);
    for (const t of targets) {
      const groups = groupsOf.get(t.computerId) ?? [];
      const phaseRow = t.phase === null ? undefined : phases.find((p) => p.index === t.phase);
      const phaseName = t.phase === null ? null : (plan.phases[t.phase]?.name ?? null);
      const state = t.state ?? noStatus;
      const status = { ...t, state };
      const health = computerHealth(t.lastSeenAt, this.checkinIntervalSeconds, now);
      const why = explainStatus(
        status,
        {
          deployment: { state: row.state, plan },
          phase:
            phaseName === null
              ? null
              : { name: phaseName, open: (phaseRow?.openedAt ?? null) !== null },
          health,
          groups,
        },
        now,
      );
      const stale =
        assigningStates.includes(row.state) && row.action === 'install'
          ? staleness(
              {
                state,
                installedAt: t.installedAt,
                assignedAt: phaseRow?.openedAt ?? null,
                recurrenceSeconds: recurrenceSecondsFor(plan, groups),
              },
              now,
            )
          : null;
      out.push({
        ...toStatusView(t, { why, lastSeenAt: t.lastSeenAt, stale, noStatus }),
        phase: phaseName,
      });
    }
    return out;
  }

  /** A computer's statuses, each explained against the deployment that drives it. */
  async computerStatuses(
    computer: ComputerRecord,
    groups: readonly string[],
    statuses: readonly StatusRecord[],
  ): Promise<StatusView[]> {
    const now = this.clock.now();
    const health = computerHealth(computer.lastSeenAt, this.checkinIntervalSeconds, now);
    const out: StatusView[] = [];
    for (const s of statuses) {
      const d = s.deploymentId === null ? undefined : await this.deployments.find(s.deploymentId);
      const why = explainStatus(
        s,
        { deployment: d ? { state: d.state, plan: d.plan } : null, phase: null, health, groups },
        now,
      );
      let stale = null;
      if (d && assigningStates.includes(d.state) && d.action === 'install') {
        const opened = await this.deployments.phaseOpenedFor(d.id, computer.id);
        stale = staleness(
          {
            state: s.state,
            installedAt: s.installedAt,
            assignedAt: opened,
            recurrenceSeconds: recurrenceSecondsFor(d.plan, groups),
          },
          now,
        );
      }
      out.push(
        toStatusView(
          { ...s, hostname: computer.hostname },
          { why, lastSeenAt: computer.lastSeenAt, stale },
        ),
      );
    }
    return out;
  }

  /** Every computer × update of an assigning install deployment that needs investigation. */
  async staleReport(): Promise<StaleReportRow[]> {
    const rows: StaleReportRow[] = [];
    for (const d of await this.deployments.inStates(assigningStates)) {
      if (d.action !== 'install') continue;
      // A page at a time, so a large target is never held whole.
      let cursor: string | undefined;
      do {
        const page = await this.deployments.pageTargetStatuses(
          d.id,
          {},
          { limit: 500, sort: 'id', order: 'asc', cursor },
        );
        for (const c of await this.explainTargets(d, page.items)) {
          if (!c.stale) continue;
          rows.push({
            computerId: c.computerId,
            hostname: c.hostname,
            deploymentId: d.id,
            updateId: c.updateId,
            state: c.state,
            lastSeenAt: c.lastSeenAt ?? null,
            stale: c.stale,
          });
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    }
    return rows.sort((a, b) => b.stale.ageSeconds - a.stale.ageSeconds);
  }
}
