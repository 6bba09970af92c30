import { describe, expect, it } from 'vitest';
import { planFactory, type PlanOverrides } from '../../../test/factories/plan.factory.js';
import type { StatusState } from '../status.js';
import { evaluateDeployment, type EngineInput, type PhaseState } from './engine.js';

const H = 3_600_000;
const t0 = Date.parse('2025-06-02T00:00:00Z');

function phase(over: Partial<PhaseState> = {}): PhaseState {
  return { openedAt: null, promotedAt: null, size: 0, counts: {}, ...over };
}
function state(input: PlanOverrides, phases: PhaseState[]): EngineInput {
  const plan = planFactory({
    phases: [
      { name: 'pilot', percent: 5 },
      { name: 'early', percent: 25 },
      { name: 'broad', percent: 100 },
    ],
    gate: { minSuccessPercent: 95, maxFailurePercent: 5 },
    ...input,
  });
  return { plan, state: 'active', createdAt: t0, phases };
}
const counts = (c: Partial<Record<StatusState, number>>): Partial<Record<StatusState, number>> => c;

describe('gates open on time', () => {
  it('opens the first phase at the available time and not before', () => {
    const s = state({ availableAt: '2025-06-02T06:00:00Z' }, [
      phase({ size: 5 }),
      phase(),
      phase(),
    ]);
    const early = evaluateDeployment(s, t0);
    expect(early.actions).toEqual([]);
    expect(early.nextEvaluationAt).toBe(t0 + 6 * H);
    const on = evaluateDeployment(s, t0 + 6 * H);
    expect(on.actions).toEqual([
      {
        type: 'open-phase',
        phase: 0,
        name: 'pilot',
        reason: 'phase pilot opened: at the available time',
      },
    ]);
    expect(on.events).toEqual([
      {
        at: t0 + 6 * H,
        type: 'phase-opened',
        phase: 'pilot',
        message: 'phase pilot opened: at the available time',
      },
    ]);
  });

  it('opens the next phase when the gate is met and the soak has elapsed', () => {
    const healthy = phase({
      openedAt: t0,
      size: 36,
      counts: counts({ installed: 34, 'not-applicable': 1, failed: 1 }),
    });
    const s = state({}, [healthy, phase({ size: 200 }), phase({ size: 764 })]);
    const soaking = evaluateDeployment(s, t0 + 23 * H);
    expect(soaking.actions).toEqual([]);
    expect(soaking.nextEvaluationAt).toBe(t0 + 24 * H);
    expect(soaking.waitingFor).toBe('phase early opens after 24h soak (2025-06-03T00:00:00.000Z)');
    const r = evaluateDeployment(s, t0 + 24 * H);
    expect(r.actions).toEqual([
      {
        type: 'open-phase',
        phase: 1,
        name: 'early',
        reason: 'phase early opened: 97.2% ≥ 95% in pilot (35 of 36), after 24h soak',
      },
    ]);
  });

  it('waits on an unmet gate whatever the time, and only status changes can move it', () => {
    const s = state({}, [
      phase({ openedAt: t0, size: 20, counts: counts({ installed: 18, installing: 2 }) }),
      phase({ size: 1 }),
      phase({ size: 1 }),
    ]);
    const r = evaluateDeployment(s, t0 + 100 * H);
    expect(r.actions).toEqual([]);
    expect(r.nextEvaluationAt).toBeNull();
    expect(r.waitingFor).toBe('phase early waits for pilot: 90% < 95% in pilot (18 of 20)');
  });

  it('never prints a shortfall that rounding hides', () => {
    const s = state({}, [
      phase({ openedAt: t0, size: 2000, counts: counts({ installed: 1899 }) }),
      phase({ size: 1 }),
      phase({ size: 1 }),
    ]);
    expect(evaluateDeployment(s, t0 + 30 * H).waitingFor).toBe(
      'phase early waits for pilot: 94.95% < 95% in pilot (1899 of 2000)',
    );
  });

  it('a manual gate waits for promote', () => {
    const pilot = phase({ openedAt: t0, size: 2, counts: counts({ installed: 2 }) });
    const s = state(
      {
        phases: [
          { name: 'pilot', percent: 10, gate: { manual: true } },
          { name: 'rest', percent: 100 },
        ],
      },
      [pilot, phase({ size: 18 })],
    );
    expect(evaluateDeployment(s, t0 + 48 * H).waitingFor).toMatch(
      /waits for an approver to promote pilot/,
    );
    // A promote opens the next phase at once, before the soak is over.
    const promoted = { ...s, phases: [{ ...pilot, promotedAt: t0 + 2 * H }, phase({ size: 18 })] };
    expect(evaluateDeployment(promoted, t0 + 2 * H).actions[0]?.reason).toBe(
      'phase rest opened: 100% ≥ 95% in pilot (2 of 2), promoted',
    );
  });

  it('honours relative and absolute starts', () => {
    const s = state(
      {
        phases: [
          { name: 'pilot', percent: 10 },
          { name: 'mid', percent: 50, start: { afterSeconds: 3600 } },
          { name: 'rest', percent: 100, start: { at: '2025-06-10T00:00:00Z' } },
        ],
      },
      [
        phase({ openedAt: t0, size: 1, counts: counts({ installed: 1 }) }),
        phase({ size: 4 }),
        phase({ size: 5 }),
      ],
    );
    expect(evaluateDeployment(s, t0 + H).actions.map((a) => a.type)).toEqual(['open-phase']);
    const mid = {
      ...s,
      phases: [
        s.phases[0]!,
        phase({ openedAt: t0 + H, size: 4, counts: counts({ installed: 4 }) }),
        phase({ size: 5 }),
      ],
    };
    expect(evaluateDeployment(mid, t0 + 2 * H).nextEvaluationAt).toBe(
      Date.parse('2025-06-10T00:00:00Z'),
    );
  });

  it('an emergency compresses soak to zero', () => {
    const s = state({ emergency: { reason: 'wormable CVE' } }, [
      phase({ openedAt: t0, size: 5, counts: counts({ installed: 5 }) }),
      phase({ size: 20 }),
      phase({ size: 75 }),
    ]);
    const r = evaluateDeployment(s, t0 + 60_000);
    expect(r.actions[0]?.reason).toBe(
      'phase early opened: 100% ≥ 95% in pilot (5 of 5), with soak skipped (emergency), emergency: wormable CVE',
    );
  });
});

describe('failures halt the deployment', () => {
  it('halts within one evaluation when failures exceed the limit', () => {
    const s = state({}, [
      phase({
        openedAt: t0,
        size: 49,
        counts: counts({ installed: 40, failed: 3, installing: 6 }),
      }),
      phase({ size: 200 }),
      phase({ size: 751 }),
    ]);
    const r = evaluateDeployment(s, t0 + 10 * 60_000);
    expect(r.actions).toEqual([
      {
        type: 'halt',
        phase: 0,
        name: 'pilot',
        reason: 'halted: failures 6.1% > 5% in pilot (3 of 49)',
      },
    ]);
    expect(r.events[0]).toMatchObject({ type: 'halted', phase: 'pilot' });
  });

  it('exactly at the limit does not halt; a halted deployment does nothing', () => {
    const s = state({}, [
      phase({ openedAt: t0, size: 20, counts: counts({ installed: 19, failed: 1 }) }),
      phase({ size: 1 }),
      phase({ size: 1 }),
    ]);
    expect(evaluateDeployment(s, t0).actions).toEqual([]);
    const halted = { ...s, state: 'halted' as const };
    expect(evaluateDeployment(halted, t0 + 1000 * H)).toEqual({
      actions: [],
      events: [],
      nextEvaluationAt: null,
      waitingFor: 'deployment is halted',
    });
  });

  it('completes when every phase is open and every computer is done or given up', () => {
    const s = state({ gate: { minSuccessPercent: 95 } }, [
      phase({ openedAt: t0, size: 2, counts: counts({ installed: 2 }) }),
      phase({ openedAt: t0, size: 3, counts: counts({ installed: 3 }) }),
      phase({
        openedAt: t0,
        size: 15,
        counts: counts({ installed: 13, 'not-applicable': 1, failed: 1 }),
        exhausted: 1,
      }),
    ]);
    expect(evaluateDeployment(s, t0).actions).toEqual([
      {
        type: 'complete',
        reason:
          'completed: 19 of 20 computers installed or not applicable (95%), 1 failed after 5 attempts',
      },
    ]);
  });
});

describe('the statistical halt', () => {
  const gate = { minSuccessPercent: 95, maxFailurePercent: 20, confidence: 0.95 };

  it('a 2-computer pilot with 1 failure does not halt at 20 % and 95 %', () => {
    const s = state({ gate }, [
      phase({ openedAt: t0, size: 2, counts: counts({ installed: 1, failed: 1 }) }),
      phase(),
      phase(),
    ]);
    const e = evaluateDeployment(s, t0 + H);
    expect(e.actions.filter((a) => a.type === 'halt')).toEqual([]);
  });

  it('30 failures in 100 halt, and the event says the figures and the bound', () => {
    const s = state({ gate }, [
      phase({ openedAt: t0, size: 100, counts: counts({ installed: 70, failed: 30 }) }),
      phase(),
      phase(),
    ]);
    const e = evaluateDeployment(s, t0 + H);
    expect(e.events).toEqual([
      {
        at: t0 + H,
        type: 'halted',
        phase: 'pilot',
        message: 'halted: 30 of 100 failed in pilot; 95% lower bound 21.9% > 20%',
      },
    ]);
  });
});

describe('the readiness gate in the engine', () => {
  it('holds a phase whose content is not staged, with no time to wake for, and opens it once ready', () => {
    const lacking = 'site tokyo: dp-1 lacks setup.msi (not-reported)';
    const s = state({}, [phase({ size: 5, contentWaiting: lacking }), phase(), phase()]);
    const held = evaluateDeployment(s, t0);
    expect(held.actions).toEqual([]);
    expect(held.nextEvaluationAt).toBeNull();
    expect(held.waitingFor).toBe(`phase pilot is waiting for content: ${lacking}`);
    const ready = evaluateDeployment(
      state({}, [phase({ size: 5, contentWaiting: null }), phase(), phase()]),
      t0,
    );
    expect(ready.actions.map((a) => a.type)).toEqual(['open-phase']);
  });

  it('a later phase waits for content after its gate is met; an earlier open one is not held', () => {
    const pilot = phase({ openedAt: t0, size: 20, counts: counts({ installed: 20 }) });
    const s = state({ soakSeconds: 0 }, [
      { ...pilot, contentWaiting: 'ignored: already open' },
      phase({ size: 5, contentWaiting: 'site osaka: dp-2 lacks a (corrupt)' }),
      phase(),
    ]);
    const e = evaluateDeployment(s, t0 + H);
    expect(e.actions).toEqual([]);
    expect(e.waitingFor).toBe(
      'phase early is waiting for content: site osaka: dp-2 lacks a (corrupt)',
    );
  });
});
