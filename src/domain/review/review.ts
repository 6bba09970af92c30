import type { DeploymentState } from '../deployment/state.js';
import type { DeploymentPlan } from '../rollout/plan.js';
import { availableAtMs, phaseTiming } from '../rollout/schedule.js';
import type { CancellingAction, StatusState } from '../status.js';
import {
  checklistItems,
  checklistTitles,
  type ChecklistItem,
  type ChecklistMark,
} from './checklist.js';

/**
 * The post-implementation review of a deployment: the plan beside what happened,
 * computed from the deployment's events, its phases and its status history. Pure:
 * `now` is given, nothing is read. Every time in the answer is ISO text; every
 * duration is in seconds from the deployment's available time.
 */

/** A service-level target the admin set: `percent` of the target installed within `hours`. */
export type Sla = { percent: number; hours: number };

/** What the estimate of downtime and recovery is made from (the admin's figures). */
export type ReviewCosts = {
  /** Estimated minutes a computer is down for one restart. */
  minutesPerRestart: number;
  /** Estimated minutes of someone's work to recover one computer that failed. */
  recoveryMinutesPerFailure: number;
  downtimeCostPerHour: number | null;
  recoveryCostPerHour: number | null;
};

export const defaultReviewCosts: ReviewCosts = {
  minutesPerRestart: 10,
  recoveryMinutesPerFailure: 30,
  downtimeCostPerHour: null,
  recoveryCostPerHour: null,
};

export type ReviewInput = {
  now: number;
  deployment: {
    id: string;
    updateIds: readonly string[];
    groups: readonly string[];
    state: DeploymentState;
    stateReason: string | null;
    plan: DeploymentPlan;
    createdAt: number;
    deadline: number | null;
  };
  phases: readonly { index: number; name: string; openedAt: number | null }[];
  /** The placed computers and their phase. */
  placements: readonly { computerId: string; phase: number }[];
  /** Target computers not placed yet. */
  unplaced: number;
  /** The deployment's events, oldest first. */
  events: readonly {
    at: number;
    type: string;
    phase: string | null;
    message: string;
    actor: string;
  }[];
  /** Every status the agents reported for this deployment, oldest first. */
  history: readonly {
    computerId: string;
    updateId: string;
    state: StatusState;
    reason: string | null;
    at: number;
  }[];
  /** The current status of each placed computer × update of the deployment. */
  current: readonly {
    computerId: string;
    updateId: string;
    state: StatusState | null;
    cancelledBy: CancellingAction | null;
  }[];
  sla: Sla | null;
  costs: ReviewCosts;
  checklist: readonly ChecklistMark[];
};

export const milestonePercents = [50, 90, 95] as const;

export type Milestone = {
  percent: number;
  /** When that share of the target was reached; null: not (yet). */
  reachedAt: string | null;
  /** Seconds from the available time. */
  afterSeconds: number | null;
};

export type ReviewPhase = {
  index: number;
  name: string;
  percent: number | null;
  /** Computer × update pairs placed in it. */
  size: number;
  plannedStart: string | null;
  actualStart: string | null;
  plannedEnd: string | null;
  actualEnd: string | null;
  /** What ended it: the next phase opened, or the event that stopped the deployment. */
  endedBy: string | null;
  /** Pairs that were installed (or not applicable) at some time, and that failed at some time. */
  installed: number;
  failed: number;
  successPercent: number | null;
  halts: number;
  rollbacks: number;
  redeploys: number;
};

/** An admin action or engine decision that changed the course: halts, resumes, rollbacks, redeploys. */
export type ReviewAction = {
  at: string;
  type: string;
  phase: string | null;
  actor: string;
  message: string;
};

export const resolutions = [
  'redeployed-then-installed',
  'retried-then-installed',
  'rolled-back',
  'cancelled',
  'still-failed',
  'in-progress',
] as const;
export type Resolution = (typeof resolutions)[number];

export type FailureGroup = {
  reason: string;
  count: number;
  resolutions: Record<Resolution, number>;
};

export type SlaVerdict = {
  percent: number;
  hours: number;
  dueAt: string;
  reachedAt: string | null;
  afterSeconds: number | null;
  verdict: 'met' | 'missed' | 'pending';
};

export type DeploymentReview = {
  deploymentId: string;
  updates: string[];
  groups: string[];
  state: DeploymentState;
  stateReason: string | null;
  createdAt: string;
  availableAt: string;
  generatedAt: string;
  /** Computer × update pairs in the target. */
  target: number;
  phases: ReviewPhase[];
  actions: ReviewAction[];
  halts: number;
  rollbacks: number;
  redeploys: number;
  installed: Milestone[];
  sla: SlaVerdict | null;
  /** For an emergency deployment: how fast it reached the fleet. */
  emergency: { reason: string; started: Milestone[]; installed: Milestone[] } | null;
  failures: { total: number; byReason: FailureGroup[]; resolutions: Record<Resolution, number> };
  restarts: {
    computers: number;
    minutesPerRestart: number;
    downtimeMinutes: number;
    downtimeCostPerHour: number | null;
    downtimeCost: number | null;
  };
  recovery: {
    computers: number;
    minutesPerFailure: number;
    minutes: number;
    costPerHour: number | null;
    cost: number | null;
  };
  /** Downtime plus recovery, when both per-hour figures are given. */
  totalCost: number | null;
  checklist: {
    item: ChecklistItem;
    title: string;
    done: boolean;
    doneAt: string | null;
    doneBy: string | null;
    note: string | null;
  }[];
};

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const round2 = (n: number): number => Math.round(n * 100) / 100;
const pairKey = (computerId: string, updateId: string): string => `${computerId}\u0000${updateId}`;

/** Event types that halt, roll back or redeploy, as the engine and the admin actions write them. */
const haltTypes = new Set(['halted', 'halt']);
const rollbackTypes = new Set(['rollback']);
const redeployTypes = new Set(['re-advertised', 'redeployed']);
/** Events that change the course of a deployment, shown in the review's list of actions. */
const actionTypes = new Set([
  ...haltTypes,
  ...rollbackTypes,
  ...redeployTypes,
  'resume',
  'revoke',
  'rolled-back',
  'promoted',
  'reopened',
  'completed',
]);
/** Events that end the current phase, and those that take it up again. */
const enders = new Set(['completed', 'halted', 'halt', 'revoke', 'rollback']);
const restarters = new Set(['resume', 'reopened', 're-advertised']);

const installedStates: ReadonlySet<StatusState> = new Set(['installed', 'not-applicable']);
const rolledBackStates: ReadonlySet<StatusState> = new Set([
  'uninstalling',
  'uninstalled',
  'uninstall-failed',
]);

/** The time each share of `total` was reached, from the times each pair got there. */
export function milestones(
  times: readonly number[],
  total: number,
  from: number,
  percents: readonly number[] = milestonePercents,
): Milestone[] {
  const sorted = [...times].sort((a, b) => a - b);
  return percents.map((percent) => {
    const needed = Math.ceil((percent / 100) * total);
    const at = total > 0 && needed > 0 ? (sorted[needed - 1] ?? null) : null;
    return {
      percent,
      reachedAt: iso(at),
      afterSeconds: at === null ? null : Math.max(0, Math.round((at - from) / 1000)),
    };
  });
}

/** The first time each pair reached one of `states` (or, with null, any state but pending). */
function firstTimes(
  history: ReviewInput['history'],
  states: ReadonlySet<StatusState> | null,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const h of history) {
    const hit = states === null ? h.state !== 'pending' : states.has(h.state);
    const key = pairKey(h.computerId, h.updateId);
    if (hit && !out.has(key)) out.set(key, h.at);
  }
  return out;
}

/** The phase whose span holds `at`: the last one opened at or before it. */
function phaseAt(phases: ReviewInput['phases'], at: number): string | null {
  let found: string | null = null;
  for (const p of [...phases].sort((a, b) => a.index - b.index)) {
    if (p.openedAt !== null && p.openedAt <= at) found = p.name;
  }
  return found;
}

function emptyResolutions(): Record<Resolution, number> {
  return Object.fromEntries(resolutions.map((r) => [r, 0])) as Record<Resolution, number>;
}

/** How a failed pair ended: installed after it (by a redeploy or a retry), rolled back, … */
function resolutionOf(
  lastFailureAt: number,
  installedAt: number | null,
  current: ReviewInput['current'][number] | undefined,
  redeployTimes: readonly number[],
): Resolution {
  // Installed after its last failure: by a redeploy if one came between the two, else a retry.
  if (installedAt !== null) {
    return redeployTimes.some((t) => t >= lastFailureAt && t <= installedAt)
      ? 'redeployed-then-installed'
      : 'retried-then-installed';
  }
  const state = current?.state ?? null;
  if (state !== null && installedStates.has(state)) return 'retried-then-installed';
  if (state !== null && rolledBackStates.has(state)) return 'rolled-back';
  if (state === 'cancelled')
    return current?.cancelledBy === 'rollback' ? 'rolled-back' : 'cancelled';
  if (state === 'failed') return 'still-failed';
  return 'in-progress';
}

function failuresOf(input: ReviewInput, redeployTimes: readonly number[]) {
  const current = new Map(input.current.map((c) => [pairKey(c.computerId, c.updateId), c]));
  type Seen = {
    reason: string;
    lastFailureAt: number;
    /** The first install after the last failure. */
    installedAt: number | null;
    computerId: string;
  };
  const failed = new Map<string, Seen>();
  for (const h of input.history) {
    const key = pairKey(h.computerId, h.updateId);
    if (h.state === 'failed') {
      failed.set(key, {
        reason: h.reason ?? 'unknown',
        lastFailureAt: h.at,
        installedAt: null,
        computerId: h.computerId,
      });
    } else if (installedStates.has(h.state)) {
      const seen = failed.get(key);
      if (seen && seen.installedAt === null) seen.installedAt = h.at;
    }
  }
  const groups = new Map<string, FailureGroup>();
  const totals = emptyResolutions();
  for (const [key, seen] of failed) {
    const resolution = resolutionOf(
      seen.lastFailureAt,
      seen.installedAt,
      current.get(key),
      redeployTimes,
    );
    const group = groups.get(seen.reason) ?? {
      reason: seen.reason,
      count: 0,
      resolutions: emptyResolutions(),
    };
    group.count += 1;
    group.resolutions[resolution] += 1;
    totals[resolution] += 1;
    groups.set(seen.reason, group);
  }
  const byReason = [...groups.values()].sort(
    (a, b) => b.count - a.count || a.reason.localeCompare(b.reason),
  );
  return {
    summary: { total: failed.size, byReason, resolutions: totals },
    computers: new Set([...failed.values()].map((s) => s.computerId)).size,
  };
}

function slaOf(sla: Sla, times: readonly number[], total: number, from: number, now: number) {
  const [m] = milestones(times, total, from, [sla.percent]);
  const due = from + sla.hours * 3_600_000;
  const reached = m?.reachedAt ? Date.parse(m.reachedAt) : null;
  const verdict: SlaVerdict['verdict'] =
    reached !== null ? (reached <= due ? 'met' : 'missed') : now > due ? 'missed' : 'pending';
  return {
    percent: sla.percent,
    hours: sla.hours,
    dueAt: new Date(due).toISOString(),
    reachedAt: m?.reachedAt ?? null,
    afterSeconds: m?.afterSeconds ?? null,
    verdict,
  };
}

/** The review of one deployment, from what the store holds and the admin's figures. */
export function reviewDeployment(input: ReviewInput): DeploymentReview {
  const { deployment, now, costs } = input;
  const { plan } = deployment;
  const updates = deployment.updateIds.length;
  const available = availableAtMs(plan, deployment.createdAt);
  const target = (input.placements.length + input.unplaced) * updates;
  const phaseOf = new Map(input.placements.map((p) => [p.computerId, p.phase]));
  const events = [...input.events].sort((a, b) => a.at - b.at);
  const redeployTimes = events.filter((e) => redeployTypes.has(e.type)).map((e) => e.at);

  // Planned: every gate met the moment it is checked (as the dry run assumes).
  const planned: (number | null)[] = [];
  plan.phases.forEach((_, i) => {
    const timing = phaseTiming(plan, i, available, i === 0 ? null : (planned[i - 1] ?? null));
    planned.push(timing?.at ?? null);
  });
  const opened = plan.phases.map(
    (_, i) => input.phases.find((p) => p.index === i)?.openedAt ?? null,
  );
  const lastOpened = opened.reduce<number>((last, at, i) => (at !== null ? i : last), -1);

  // The last opened phase ends with the event that stopped the deployment, unless taken up again.
  let stop: { at: number; type: string } | null = null;
  for (const e of events) {
    if (enders.has(e.type)) stop ??= { at: e.at, type: e.type };
    else if (restarters.has(e.type)) stop = null;
  }

  const installedAt = firstTimes(input.history, installedStates);
  const failedPairs = new Set(
    input.history.filter((h) => h.state === 'failed').map((h) => pairKey(h.computerId, h.updateId)),
  );
  const pairPhase = (key: string): number | undefined => phaseOf.get(key.split('\u0000')[0] ?? '');

  const phases: ReviewPhase[] = plan.phases.map((phase, i) => {
    const size = input.placements.filter((p) => p.phase === i).length * updates;
    const installed = [...installedAt.keys()].filter((k) => pairPhase(k) === i).length;
    const failed = [...failedPairs].filter((k) => pairPhase(k) === i).length;
    const inPhase = events.filter((e) => (e.phase ?? phaseAt(input.phases, e.at)) === phase.name);
    const next = opened[i + 1] ?? null;
    const end =
      next !== null
        ? { at: next, by: `phase ${plan.phases[i + 1]?.name ?? ''} opened` }
        : i === lastOpened && stop !== null
          ? { at: stop.at, by: stop.type }
          : null;
    const deadline = i === plan.phases.length - 1 ? deployment.deadline : null;
    return {
      index: i,
      name: phase.name,
      percent: phase.percent ?? null,
      size,
      plannedStart: iso(planned[i] ?? null),
      actualStart: iso(opened[i] ?? null),
      plannedEnd: iso(planned[i + 1] ?? deadline),
      actualEnd: iso(end?.at ?? null),
      endedBy: end?.by ?? null,
      installed,
      failed,
      successPercent: size === 0 ? null : round2((installed / size) * 100),
      halts: inPhase.filter((e) => haltTypes.has(e.type)).length,
      rollbacks: inPhase.filter((e) => rollbackTypes.has(e.type)).length,
      redeploys: inPhase.filter((e) => redeployTypes.has(e.type)).length,
    };
  });

  const failures = failuresOf(input, redeployTimes);
  const restarted = new Set(
    input.history.filter((h) => h.state === 'pending-reboot').map((h) => h.computerId),
  ).size;
  const downtimeMinutes = restarted * costs.minutesPerRestart;
  const downtimeCost =
    costs.downtimeCostPerHour === null
      ? null
      : round2((downtimeMinutes / 60) * costs.downtimeCostPerHour);
  const recoveryMinutes = failures.computers * costs.recoveryMinutesPerFailure;
  const recoveryCost =
    costs.recoveryCostPerHour === null
      ? null
      : round2((recoveryMinutes / 60) * costs.recoveryCostPerHour);

  const installedTimes = [...installedAt.values()];
  return {
    deploymentId: deployment.id,
    updates: [...deployment.updateIds],
    groups: [...deployment.groups],
    state: deployment.state,
    stateReason: deployment.stateReason,
    createdAt: new Date(deployment.createdAt).toISOString(),
    availableAt: new Date(available).toISOString(),
    generatedAt: new Date(now).toISOString(),
    target,
    phases,
    actions: events
      .filter((e) => actionTypes.has(e.type))
      .map((e) => ({
        at: new Date(e.at).toISOString(),
        type: e.type,
        phase: e.phase ?? phaseAt(input.phases, e.at),
        actor: e.actor,
        message: e.message,
      })),
    halts: events.filter((e) => haltTypes.has(e.type)).length,
    rollbacks: events.filter((e) => rollbackTypes.has(e.type)).length,
    redeploys: events.filter((e) => redeployTypes.has(e.type)).length,
    installed: milestones(installedTimes, target, available),
    sla: input.sla === null ? null : slaOf(input.sla, installedTimes, target, available, now),
    emergency: plan.emergency
      ? {
          reason: plan.emergency.reason,
          started: milestones([...firstTimes(input.history, null).values()], target, available),
          installed: milestones(installedTimes, target, available),
        }
      : null,
    failures: failures.summary,
    restarts: {
      computers: restarted,
      minutesPerRestart: costs.minutesPerRestart,
      downtimeMinutes,
      downtimeCostPerHour: costs.downtimeCostPerHour,
      downtimeCost,
    },
    recovery: {
      computers: failures.computers,
      minutesPerFailure: costs.recoveryMinutesPerFailure,
      minutes: recoveryMinutes,
      costPerHour: costs.recoveryCostPerHour,
      cost: recoveryCost,
    },
    totalCost:
      downtimeCost === null || recoveryCost === null ? null : round2(downtimeCost + recoveryCost),
    checklist: checklistOf(input.checklist),
  };
}

/** Every checklist item in order, done (by whom, when, with what note) or not. */
export function checklistOf(marks: readonly ChecklistMark[]): DeploymentReview['checklist'] {
  const byItem = new Map(marks.map((m) => [m.item, m]));
  return checklistItems.map((item) => {
    const mark = byItem.get(item);
    return {
      item,
      title: checklistTitles[item],
      done: mark !== undefined,
      doneAt: iso(mark?.doneAt ?? null),
      doneBy: mark?.doneBy ?? null,
      note: mark?.note ?? null,
    };
  });
}
