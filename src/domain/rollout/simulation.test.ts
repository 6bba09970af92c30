import { describe, expect, it } from 'vitest';
import { planFactory } from '../../../test/factories/plan.factory.js';
import type { DeploymentPlan } from './plan.js';
import { countStates, type StatusState } from '../status.js';
import type { DeploymentState } from '../deployment/state.js';
import { evaluateDeployment, type EngineEvent } from './engine.js';
import { placeComputers, stableHash } from './placement.js';
import { nextRetry } from './retry.js';

/**
 * A thin driver in virtual time, as the server's tick will be: place computers,
 * evaluate, apply actions, let computers in open phases install.
 */
type Computer = {
  id: string;
  phase: number;
  state: StatusState;
  attempts: number;
  updatedAt: number;
  dueAt: number;
};

const H = 3_600_000;
const t0 = Date.parse('2025-06-02T00:00:00Z');

function simulate(plan: DeploymentPlan, n: number, fails: (c: Computer) => boolean, days: number) {
  const ids = Array.from({ length: n }, (_, i) => `pc-${i}`);
  const m = placeComputers({
    deploymentId: 'dep-1',
    computerIds: ids,
    phases: plan.phases,
    placed: new Map(),
  });
  const computers: Computer[] = [...m.added].map(([id, phase]) => ({
    id,
    phase,
    state: 'pending',
    attempts: 0,
    updatedAt: t0,
    dueAt: 0,
  }));
  const openedAt: (number | null)[] = plan.phases.map(() => null);
  let state: DeploymentState = 'active';
  const events: EngineEvent[] = [];
  const installsInPhase = plan.phases.map(() => 0);
  let evaluations = 0;

  for (let now = t0; now <= t0 + days * 24 * H && state === 'active'; now += H) {
    // Computers of open phases install a few hours after their phase opens (or retry).
    for (const c of computers) {
      const opened = openedAt[c.phase];
      if (opened == null || now < opened) continue;
      if (c.state === 'pending' && now >= opened + (1 + (stableHash(c.id) % 6)) * H) {
        c.attempts += 1;
        installsInPhase[c.phase] = (installsInPhase[c.phase] ?? 0) + 1;
        c.state = fails(c) ? 'failed' : 'installed';
        c.updatedAt = now;
      } else if (c.state === 'failed') {
        const d = nextRetry(plan, {
          state: c.state,
          reason: 'install-error',
          updatedAt: c.updatedAt,
          attempts: c.attempts,
          groups: [],
        });
        if (d.retry && now >= d.at) c.state = 'pending';
      }
    }
    const phases = plan.phases.map((_, i) => {
      const mine = computers.filter((c) => c.phase === i);
      const exhausted = mine.filter(
        (c) => c.state === 'failed' && c.attempts >= plan.maxAttempts,
      ).length;
      return {
        openedAt: openedAt[i] ?? null,
        promotedAt: null,
        size: mine.length,
        counts: countStates(mine.map((c) => c.state)),
        exhausted,
      };
    });
    const r = evaluateDeployment({ plan, state, createdAt: t0, phases }, now);
    evaluations += 1;
    events.push(...r.events);
    for (const a of r.actions) {
      switch (a.type) {
        case 'open-phase':
          openedAt[a.phase] = now;
          break;
        case 'halt':
          state = 'halted';
          break;
        case 'complete':
          state = 'completed';
          break;
      }
    }
  }
  return { state, events, openedAt, installsInPhase, evaluations, sizes: m.sizes };
}

describe('a two-week rollout in virtual time', () => {
  it('opens each phase after its soak and completes within the two virtual weeks', () => {
    const plan = planFactory({
      phases: [
        { name: 'pilot', percent: 5 },
        { name: 'early', percent: 25 },
        { name: 'broad', percent: 100 },
      ],
      gate: { minSuccessPercent: 95, maxFailurePercent: 5 },
      soakSeconds: 3 * 86_400,
      recurrenceSeconds: 86_400,
    });
    // 1 in 50 fails on its first attempt and succeeds on the daily retry.
    const r = simulate(
      plan,
      1000,
      (c) => c.attempts === 1 && stableHash(`f:${c.id}`) % 50 === 0,
      14,
    );

    expect(r.sizes).toEqual([50, 200, 750]);
    expect(r.openedAt).toEqual([t0, t0 + 72 * H, t0 + 144 * H]);
    expect(r.state).toBe('completed');
    expect(r.events.map((e) => e.type)).toEqual([
      'phase-opened',
      'phase-opened',
      'phase-opened',
      'completed',
    ]);
    expect(r.events[1]?.message).toMatch(
      /^phase early opened: \d+(\.\d)?% ≥ 95% in pilot \(\d+ of 50\), after 3d soak$/,
    );
    expect(r.events[3]?.message).toBe(
      'completed: 1000 of 1000 computers installed or not applicable (100%)',
    );
    // One evaluation per virtual hour until it completed, well inside the 14 days.
    expect(r.evaluations).toBeLessThan(14 * 24);
  });

  it('a bad update on 20 computers at 10% / 100% halts in the first phase; the second never installs', () => {
    const plan = planFactory({
      phases: [
        { name: 'first', percent: 10 },
        { name: 'rest', percent: 100 },
      ],
      gate: { maxFailurePercent: 20 },
    });
    const r = simulate(plan, 20, () => true, 14);
    expect(r.state).toBe('halted');
    expect(r.sizes).toEqual([2, 18]);
    expect(r.installsInPhase[1]).toBe(0);
    expect(r.events.at(-1)?.message).toMatch(
      /^halted: failures (50% > 20% in first \(1|100% > 20% in first \(2) of 2\)$/,
    );
  });
});
