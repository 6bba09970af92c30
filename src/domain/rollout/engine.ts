import { phaseGate, type DeploymentPlan } from './plan.js';
import type { DeploymentState } from '../deployment/state.js';
import { formatPercent } from './duration.js';
import { checkFailures, checkSuccess, phaseFigures, type PhaseHealth } from './gates.js';
import { availableAtMs, phaseTiming } from './schedule.js';

/**
 * The rollout engine: a pure function of a deployment's state and `now`, returning
 * what the driver must do and why. It never reads the clock and never writes.
 */

export type PhaseState = PhaseHealth & {
  openedAt: number | null;
  /** When an approver promoted this phase (opens the next one if its gate is manual). */
  promotedAt: number | null;
  /**
   * The readiness gate: what content this phase's sites still lack on their
   * distribution points (domain/rollout/readiness.ts), in words; null or absent: ready.
   */
  contentWaiting?: string | null;
};

/** What the engine reads of one deployment. */
export type EngineInput = {
  plan: DeploymentPlan;
  state: DeploymentState;
  createdAt: number;
  /** One per plan phase, same order. */
  phases: readonly PhaseState[];
};

export type EngineAction =
  | { type: 'open-phase'; phase: number; name: string; reason: string }
  | { type: 'halt'; phase: number; name: string; reason: string }
  | { type: 'complete'; reason: string };

export type EngineEvent = {
  at: number;
  type: 'phase-opened' | 'halted' | 'completed' | 'waiting-for-content';
  phase: string | null;
  message: string;
};

export type Evaluation = {
  actions: EngineAction[];
  events: EngineEvent[];
  /** The earliest future time at which time alone can change the outcome; null: only status changes can. */
  nextEvaluationAt: number | null;
  /** What the deployment waits for now, for `deployment show` (not an event). */
  waitingFor: string | null;
};

function toEvent(a: EngineAction, now: number): EngineEvent {
  switch (a.type) {
    case 'open-phase':
      return { at: now, type: 'phase-opened', phase: a.name, message: a.reason };
    case 'halt':
      return { at: now, type: 'halted', phase: a.name, message: a.reason };
    case 'complete':
      return { at: now, type: 'completed', phase: null, message: a.reason };
  }
}

function result(
  actions: EngineAction[],
  now: number,
  nextEvaluationAt: number | null,
  waitingFor: string | null,
): Evaluation {
  return { actions, events: actions.map((a) => toEvent(a, now)), nextEvaluationAt, waitingFor };
}

export function evaluateDeployment(state: EngineInput, now: number): Evaluation {
  const { plan } = state;
  if (state.phases.length !== plan.phases.length) {
    throw new Error(
      `deployment state has ${state.phases.length} phases, its plan ${plan.phases.length}`,
    );
  }
  if (state.state !== 'active') return result([], now, null, `deployment is ${state.state}`);

  // 1. Failures: any open phase above its limit halts the deployment, now.
  for (const [i, phase] of state.phases.entries()) {
    if (phase.openedAt === null) continue;
    const name = plan.phases[i]?.name ?? String(i);
    const check = checkFailures(name, phase, phaseGate(plan, i));
    if (!check.met) {
      return result(
        [{ type: 'halt', phase: i, name, reason: `halted: ${check.reason}` }],
        now,
        null,
        null,
      );
    }
  }

  // 2. Open what may open; a phase opened in this evaluation counts as opened now.
  const availableAt = availableAtMs(plan, state.createdAt);
  const opened = state.phases.map((p) => p.openedAt);
  const actions: EngineAction[] = [];
  let nextEvaluationAt: number | null = null;
  let waitingFor: string | null = null;

  for (let i = 0; i < plan.phases.length; i++) {
    if (opened[i] !== null) continue;
    const name = plan.phases[i]?.name ?? String(i);
    const timing = phaseTiming(plan, i, availableAt, i === 0 ? null : (opened[i - 1] ?? null));
    if (!timing) break;
    const reasons: string[] = [];
    let promoted = false;
    if (i > 0) {
      const prevName = plan.phases[i - 1]?.name ?? String(i - 1);
      const prev = state.phases[i - 1];
      if (!prev) break;
      const gate = phaseGate(plan, i - 1);
      const success = checkSuccess(prevName, prev, gate);
      if (!success.met) {
        waitingFor = `phase ${name} waits for ${prevName}: ${success.reason}`;
        break;
      }
      if (gate.manual && prev.promotedAt === null) {
        waitingFor = `phase ${name} waits for an approver to promote ${prevName} (${success.reason})`;
        break;
      }
      reasons.push(success.reason);
      // An approver's promote opens the next phase now: it stands in for the soak.
      promoted = gate.manual;
      if (promoted) reasons.push(`promoted`);
    }
    if (timing.at > now && !promoted) {
      nextEvaluationAt = timing.at;
      waitingFor = `phase ${name} opens ${timing.why} (${new Date(timing.at).toISOString()})`;
      break;
    }
    const content = state.phases[i]?.contentWaiting ?? null;
    if (content !== null) {
      // Staging reports bring the deployment forward: no time to wait for.
      waitingFor = `phase ${name} is waiting for content: ${content}`;
      break;
    }
    if (!promoted) reasons.push(timing.why);
    if (plan.emergency) reasons.push(`emergency: ${plan.emergency.reason}`);
    actions.push({
      type: 'open-phase',
      phase: i,
      name,
      reason: `phase ${name} opened: ${reasons.join(', ')}`,
    });
    opened[i] = now;
  }

  // 3. Complete when every phase is open and no computer has anything left to do.
  if (actions.length === 0 && opened.every((o) => o !== null)) {
    let size = 0;
    let succeeded = 0;
    let exhausted = 0;
    for (const p of state.phases) {
      const f = phaseFigures(p);
      size += f.size;
      succeeded += f.succeeded;
      exhausted += Math.min(p.exhausted ?? 0, f.failed);
    }
    if (size > 0 && succeeded + exhausted === size) {
      const gaveUp =
        exhausted > 0 ? `, ${exhausted} failed after ${plan.maxAttempts} attempts` : '';
      actions.push({
        type: 'complete',
        reason: `completed: ${succeeded} of ${size} computers installed or not applicable (${formatPercent((100 * succeeded) / size)})${gaveUp}`,
      });
    } else if (size > 0) {
      waitingFor = `all phases open; ${size - succeeded - exhausted} of ${size} computers still to finish`;
    }
  }
  return result(actions, now, nextEvaluationAt, waitingFor);
}
