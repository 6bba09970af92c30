import { describe, expect, it } from 'vitest';
import { validatePlan, windowIssues, type PlanResult } from '../contracts/plan.js';
import { formatDuration, parseDuration } from '../domain/rollout/duration.js';
import { parsePlanText, planFromFlags } from './plan-flags.js';

function messages(r: PlanResult): string[] {
  if (r.ok) throw new Error('expected the plan to be rejected');
  return r.issues.map((i) => `${i.field}: ${i.message}`);
}

describe('durations', () => {
  it('reads and writes what admins type', () => {
    expect(parseDuration('24h')).toBe(86_400);
    expect(parseDuration('1d12h')).toBe(129_600);
    expect(parseDuration('2w')).toBe(1_209_600);
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('soon')).toBeNull();
    expect(formatDuration(86_400)).toBe('24h');
    expect(formatDuration(172_800)).toBe('2d');
    expect(formatDuration(5400)).toBe('1h30m');
  });
});

describe('planFromFlags', () => {
  it('builds the common plan with defaults', () => {
    const r = planFromFlags({
      phases: 'pilot:5%,early:25%,broad:100%',
      soak: '24h',
      minSuccess: '95%',
      maxFailure: '5%',
      recurrence: '1d',
      maxAttempts: '3',
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.plan.phases.map((p) => [p.name, p.percent])).toEqual([
      ['pilot', 5],
      ['early', 25],
      ['broad', 100],
    ]);
    expect(r.plan.soakSeconds).toBe(86_400);
    expect(r.plan.gate).toEqual({ minSuccessPercent: 95, maxFailurePercent: 5, manual: false });
    expect(r.plan.recurrenceSeconds).toBe(86_400);
    expect(r.plan.maxAttempts).toBe(3);
    expect(r.plan.policy).toBe('scheduled');
    expect(r.plan.retryBackoffSeconds).toBe(600);
    expect(r.plan.windows).toEqual({ overrideOnDeadline: true, overrideOnEmergency: true });
  });

  it('accepts group phases and a single 100% phase by default', () => {
    const r = planFromFlags({ phases: 'servers:group=srv+db,rest:100%' });
    expect(r.ok && r.plan.phases[0]).toEqual({ name: 'servers', groups: ['srv', 'db'] });
    const d = planFromFlags({});
    expect(d.ok && d.plan.phases).toEqual([{ name: 'all', percent: 100 }]);
  });

  it('resolves relative times against the given now; an emergency needs a reason', () => {
    const now = Date.parse('2025-06-01T00:00:00Z');
    const r = planFromFlags({ deadline: '+2d', emergency: true, reason: 'CVE-2025-1' }, now);
    expect(r.ok && r.plan.deadline).toBe('2025-06-03T00:00:00.000Z');
    expect(r.ok && r.plan.emergency).toEqual({ reason: 'CVE-2025-1', skipSoak: true });
    expect(messages(planFromFlags({ emergency: true }))).toEqual([
      'emergency.reason: an emergency needs a reason',
    ]);
  });

  it('names bad flags', () => {
    expect(
      messages(planFromFlags({ soak: 'a day', maxFailure: 'lots', maxAttempts: '0' })),
    ).toEqual([
      'soakSeconds: --soak "a day" is not a duration like 30m, 24h, 1d or 2w',
      'gate.maxFailurePercent: --max-failure "lots" is not a percent like 95%',
      'maxAttempts: --max-attempts "0" must be a whole number ≥ 1',
    ]);
    expect(messages(planFromFlags({ policy: 'whenever' }))[0]).toMatch(/^policy: /);
  });
});

describe('impossible plans are rejected with clear messages', () => {
  it('percent above 100', () => {
    expect(messages(planFromFlags({ phases: 'pilot:5%,all:120%' }))).toContain(
      'phases.1.percent: 120% is more than 100% of the target',
    );
  });
  it('phases out of order', () => {
    expect(messages(planFromFlags({ phases: 'pilot:25%,early:5%,broad:100%' }))).toEqual([
      'phases.1.percent: phases out of order: early (5%) must reach more of the target than pilot before it (25%); percents are cumulative',
    ]);
  });
  it('a last phase short of 100%', () => {
    expect(messages(planFromFlags({ phases: 'pilot:5%,early:50%' }))).toEqual([
      'phases.1.percent: the last phase (early) reaches 50% of the target; it must reach 100% or the rest is never deployed',
    ]);
  });
  it('duplicate names, empty phases, starts out of order, deadline before availability', () => {
    const r = validatePlan({
      phases: [
        { name: 'a', percent: 10, start: { at: '2025-06-10T00:00:00Z' } },
        { name: 'a', percent: 50, start: { at: '2025-06-09T00:00:00Z' } },
        { name: 'b' },
        { name: 'c', percent: 100 },
      ],
      availableAt: '2025-06-08T00:00:00Z',
      deadline: '2025-06-01T00:00:00Z',
    });
    expect(messages(r)).toEqual([
      'phases.1.name: duplicate phase name "a" (also phase 1)',
      'phases.1.start.at: phase a starts at 2025-06-09T00:00:00Z, before phase a before it',
      'phases.2: phase b reaches no computers: give it a percent, groups or both',
      'deadline: the deadline (2025-06-01T00:00:00Z) is before the available time (2025-06-08T00:00:00Z)',
    ]);
  });
  it('typos and bad types in a plan file', async () => {
    const r = await parsePlanText('{"phases":[{"name":"all","percent":100}],"soak":"1d"}', 'json');
    expect(messages(r)[0]).toMatch(/soak/);
    expect(messages(await parsePlanText('{"phases": [', 'json'))[0]).toMatch(
      /^\(file\): not valid JSON/,
    );
    expect(messages(validatePlan({ phases: [] }))).toEqual([
      'phases: a plan needs at least one phase',
    ]);
  });
  it('a window shorter than the install timeout', () => {
    const issues = windowIssues(
      [
        { cron: '0 1 * * 6', durationMinutes: 240, timezone: 'Asia/Tokyo' },
        { cron: '0 3 * * *', durationMinutes: 5, timezone: 'UTC' },
      ],
      600,
    );
    expect(issues).toEqual([
      {
        field: 'windows.1.durationMinutes',
        message:
          'the window "0 3 * * *" (UTC) lasts 5 min, shorter than the install timeout of 10 min: no install could ever start in it',
      },
    ]);
  });
});

describe('plan files', () => {
  it('reads YAML with per-phase gates and group recurrence', async () => {
    const r = await parsePlanText(
      [
        'phases:',
        '  - { name: servers, groups: [srv], gate: { manual: true } }',
        '  - { name: pilot, percent: 10, start: { afterSeconds: 3600 } }',
        '  - { name: broad, percent: 100 }',
        'soakSeconds: 43200',
        'recurrenceByGroup: { srv: 86400 }',
        'policy: scheduled',
        'noAutoRestartWhileLoggedOn: true',
      ].join('\n'),
      'yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.plan.phases[0]?.gate).toEqual({ manual: true });
    expect(r.plan.recurrenceByGroup).toEqual({ srv: 86_400 });
    expect(r.plan.policy).toBe('scheduled');
  });
});

describe('the statistical gate flags', () => {
  it('reads --confidence as a share or a percent and --min-sample as a count', () => {
    for (const confidence of ['0.95', '95%']) {
      const r = planFromFlags({ maxFailure: '20%', confidence, minSample: '30' });
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      expect(r.plan.gate).toMatchObject({ maxFailurePercent: 20, confidence: 0.95, minSample: 30 });
    }
  });

  it('names the field of a bad confidence or sample', () => {
    expect(messages(planFromFlags({ maxFailure: '20%', confidence: 'high' }))).toEqual([
      'gate.confidence: --confidence "high" is not a confidence like 0.95 or 95%',
    ]);
    expect(messages(planFromFlags({ maxFailure: '20%', confidence: '1.5' }))[0]).toMatch(
      /^gate\.confidence: /,
    );
    expect(messages(planFromFlags({ minSample: '0' }))).toEqual([
      'gate.minSample: --min-sample "0" must be a whole number ≥ 1',
    ]);
    expect(messages(planFromFlags({ confidence: '0.95' }))[0]).toBe(
      'gate.confidence: a confidence applies to the failure limit: give maxFailurePercent too',
    );
  });

  it('reads them from a YAML plan, per phase too', async () => {
    const r = await parsePlanText(
      [
        'phases:',
        '  - { name: pilot, percent: 5, gate: { minSample: 10 } }',
        '  - { name: broad, percent: 100 }',
        'gate: { maxFailurePercent: 20, confidence: 0.99 }',
      ].join('\n'),
      'yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.plan.gate.confidence).toBe(0.99);
    expect(r.plan.phases[0]?.gate?.minSample).toBe(10);
  });
});
