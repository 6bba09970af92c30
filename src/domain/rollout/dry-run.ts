import { phaseGate, type DeploymentPlan, type Gate, type MaintenanceWindow } from './plan.js';
import { placeComputers } from './placement.js';
import { availableAtMs, phaseTiming } from './schedule.js';
import { installStart } from './windows.js';

/**
 * `deployment plan --dry-run`: which computers each phase would reach and the
 * earliest each phase could open and each computer could start, assuming every
 * gate is met the moment it is checked (and every manual gate promoted on time).
 */

export type DryRunComputer = { id: string; hostname: string; groups: readonly string[] };

export type DryRunInput = {
  deploymentId: string;
  plan: DeploymentPlan;
  computers: readonly DryRunComputer[];
  windowsByGroup: Readonly<Record<string, readonly MaintenanceWindow[]>>;
  installTimeoutSeconds: number;
  /** When the deployment would be created. */
  now: number;
};

export type DryRunPhase = {
  name: string;
  percent: number | null;
  groups: readonly string[];
  earliestOpenAt: number;
  openWhy: string;
  /** The gate to open the next phase, in words. */
  gate: string;
  computers: {
    id: string;
    hostname: string;
    earliestStartAt: number | null;
    why: string;
  }[];
};

export type DryRun = { phases: DryRunPhase[]; unreached: DryRunComputer[] };

/** The gate in words: "95% success, at least 30 with an outcome, halt above 20% failed at 95% confidence". */
export function gateWords(g: Gate, phaseSize: number): string {
  const parts = [`${g.minSuccessPercent}% success`];
  if (g.minSample !== undefined) {
    parts.push(
      `at least ${g.minSample} with an outcome${phaseSize < g.minSample ? ` (the phase reaches only ${phaseSize}: it can never pass)` : ''}`,
    );
  }
  if (g.maxFailurePercent !== undefined) {
    const at =
      g.confidence === undefined ? '' : ` at ${Math.round(g.confidence * 1000) / 10}% confidence`;
    parts.push(`halt above ${g.maxFailurePercent}% failed${at}`);
  }
  if (g.manual) parts.push('then an approver promotes');
  return parts.join(', ');
}

export function dryRun(input: DryRunInput): DryRun {
  const { plan, now } = input;
  const byId = new Map(input.computers.map((c) => [c.id, c]));
  const placement = placeComputers({
    deploymentId: input.deploymentId,
    computerIds: input.computers.map((c) => c.id),
    phases: plan.phases,
    groupsOf: new Map(input.computers.map((c) => [c.id, c.groups])),
    placed: new Map(),
  });
  const available = availableAtMs(plan, now);
  const members = plan.phases.map((): DryRunComputer[] => []);
  for (const [id, phase] of placement.added) {
    const c = byId.get(id);
    if (c) members[phase]?.push(c);
  }

  const cache = new Map<string, { at: number | null; why: string }>();
  const phases: DryRunPhase[] = [];
  let previousOpenedAt: number | null = null;
  plan.phases.forEach((phase, i) => {
    const timing = phaseTiming(plan, i, available, previousOpenedAt) ?? { at: available, why: '' };
    const openAt = previousOpenedAt === null ? timing.at : Math.max(timing.at, previousOpenedAt);
    previousOpenedAt = openAt;
    const g = phaseGate(plan, i);
    const gate =
      i === plan.phases.length - 1 ? 'last phase' : gateWords(g, (members[i] ?? []).length);
    const computers = (members[i] ?? [])
      .slice()
      .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id))
      .map((c) => {
        const windows = c.groups.flatMap((grp) => input.windowsByGroup[grp] ?? []);
        const key = `${openAt}|${[...c.groups].sort().join('\u0000')}`;
        let start = cache.get(key);
        if (!start) {
          const s = installStart(plan, now, windows, openAt, input.installTimeoutSeconds);
          start = { at: s.nextStartAt, why: s.reason };
          cache.set(key, start);
        }
        return { id: c.id, hostname: c.hostname, earliestStartAt: start.at, why: start.why };
      });
    phases.push({
      name: phase.name,
      percent: phase.percent ?? null,
      groups: phase.groups ?? [],
      earliestOpenAt: openAt,
      openWhy: timing.why,
      gate,
      computers,
    });
  });
  const unreached = placement.unreached.flatMap((id) => {
    const c = byId.get(id);
    return c ? [c] : [];
  });
  return { phases, unreached };
}
