import { describe, expect, it } from 'vitest';
import type { DeploymentPlan } from '../rollout/plan.js';
import { escapeHtml, markdownText, reviewHtml, reviewMarkdown } from './render.js';
import { defaultReviewCosts, milestones, reviewDeployment, type ReviewInput } from './review.js';

const t0 = Date.parse('2026-06-01T00:00:00Z');
const hour = 3_600_000;

const plan: DeploymentPlan = {
  phases: [{ name: 'all', percent: 100 }],
  gate: { minSuccessPercent: 95, manual: false },
  soakSeconds: 86_400,
  recurrenceSeconds: 604_800,
  recurrenceByGroup: {},
  maxAttempts: 5,
  retryBackoffSeconds: 600,
  policy: 'scheduled',
  noAutoRestartWhileLoggedOn: false,
  windows: { overrideOnDeadline: true, overrideOnEmergency: true },
};

function input(over: Partial<ReviewInput> = {}): ReviewInput {
  const computers = ['a', 'b', 'c', 'd'];
  return {
    now: t0 + 10 * hour,
    deployment: {
      id: 'dep_1',
      updateIds: ['U1'],
      groups: ['office'],
      state: 'active',
      stateReason: null,
      plan,
      createdAt: t0,
      deadline: null,
    },
    phases: [{ index: 0, name: 'all', openedAt: t0 }],
    placements: computers.map((computerId) => ({ computerId, phase: 0 })),
    unplaced: 0,
    events: [],
    history: [],
    current: computers.map((computerId) => ({
      computerId,
      updateId: 'U1',
      state: null,
      cancelledBy: null,
    })),
    sla: null,
    costs: defaultReviewCosts,
    checklist: [],
    ...over,
  };
}

const status = (computerId: string, state: string, at: number, reason: string | null = null) =>
  ({ computerId, updateId: 'U1', state, reason, at }) as ReviewInput['history'][number];

describe('the post-implementation review', () => {
  it('reaches a share when the ceil(share × target)-th pair gets there, and never on an empty target', () => {
    const times = [t0 + 4 * hour, t0 + hour, t0 + 2 * hour];
    expect(milestones(times, 4, t0).map((m) => m.afterSeconds)).toEqual([7200, null, null]);
    expect(milestones(times, 3, t0).map((m) => m.afterSeconds)).toEqual([7200, 14_400, 14_400]);
    expect(milestones([], 0, t0).every((m) => m.reachedAt === null)).toBe(true);
  });

  it('tells how each failure ended: retried, redeployed, rolled back, cancelled, still failed', () => {
    const review = reviewDeployment(
      input({
        events: [
          { at: t0 + 3 * hour, type: 're-advertised', phase: null, message: 'again', actor: 'x' },
        ],
        history: [
          status('a', 'failed', t0 + hour, 'disk-space'),
          status('a', 'installed', t0 + 2 * hour),
          status('b', 'failed', t0 + 2 * hour, 'disk-space'),
          status('b', 'installed', t0 + 4 * hour),
          status('c', 'failed', t0 + hour, 'install-error'),
          status('d', 'failed', t0 + hour, 'install-error'),
        ],
        current: [
          { computerId: 'a', updateId: 'U1', state: 'installed', cancelledBy: null },
          { computerId: 'b', updateId: 'U1', state: 'installed', cancelledBy: null },
          { computerId: 'c', updateId: 'U1', state: 'failed', cancelledBy: null },
          { computerId: 'd', updateId: 'U1', state: 'cancelled', cancelledBy: 'rollback' },
        ],
      }),
    );
    expect(review.failures.total).toBe(4);
    expect(review.failures.resolutions).toMatchObject({
      'retried-then-installed': 1,
      'redeployed-then-installed': 1,
      'still-failed': 1,
      'rolled-back': 1,
    });
    expect(review.failures.byReason.map((g) => [g.reason, g.count])).toEqual([
      ['disk-space', 2],
      ['install-error', 2],
    ]);
    expect(review.redeploys).toBe(1);
    expect(review.recovery).toMatchObject({ computers: 4, minutes: 120, cost: null });
    expect(review.totalCost).toBeNull();
  });

  it('judges the SLA: met, missed once due, pending before', () => {
    const history = ['a', 'b', 'c', 'd'].map((c, i) => status(c, 'installed', t0 + (i + 1) * hour));
    const at = (now: number, hours: number) =>
      reviewDeployment(input({ now, history: history.slice(0, 3), sla: { percent: 95, hours } }))
        .sla?.verdict;
    expect(reviewDeployment(input({ history, sla: { percent: 95, hours: 5 } })).sla).toMatchObject({
      verdict: 'met',
      afterSeconds: 4 * 3600,
      dueAt: '2026-06-01T05:00:00.000Z',
    });
    expect(reviewDeployment(input({ history, sla: { percent: 95, hours: 3 } })).sla?.verdict).toBe(
      'missed',
    );
    expect(at(t0 + 2 * hour, 3)).toBe('pending');
    expect(at(t0 + 4 * hour, 3)).toBe('missed');
  });

  it('estimates downtime from the restarts and costs from the per-hour figures', () => {
    const review = reviewDeployment(
      input({
        history: [status('a', 'pending-reboot', t0), status('b', 'pending-reboot', t0)],
        costs: {
          minutesPerRestart: 15,
          recoveryMinutesPerFailure: 30,
          downtimeCostPerHour: 100,
          recoveryCostPerHour: 50,
        },
      }),
    );
    expect(review.restarts).toMatchObject({ computers: 2, downtimeMinutes: 30, downtimeCost: 50 });
    expect(review.totalCost).toBe(50);
  });

  it('shows how fast an emergency reached the fleet, started and installed', () => {
    const review = reviewDeployment(
      input({
        deployment: {
          ...input().deployment,
          plan: { ...plan, emergency: { reason: 'CVE-2026-0001', skipSoak: true } },
        },
        history: ['a', 'b', 'c', 'd'].flatMap((c, i) => [
          status(c, 'downloading', t0 + (i + 1) * 60_000),
          status(c, 'installed', t0 + (i + 1) * hour),
        ]),
      }),
    );
    expect(review.emergency?.started.map((m) => m.afterSeconds)).toEqual([120, 240, 240]);
    expect(review.emergency?.installed.map((m) => m.afterSeconds)).toEqual([7200, 14_400, 14_400]);
  });

  it('renders text as text in HTML and Markdown, whatever an admin typed', () => {
    const note = '<img src=x onerror=alert(1)> | [link](javascript:x) "q" \'s\' & \\';
    const review = reviewDeployment(
      input({ checklist: [{ item: 'risks', doneAt: t0, doneBy: 'ann <a>', note }] }),
    );
    const html = reviewHtml(review);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<a>');
    expect(html).toContain(escapeHtml(note));
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
    const md = reviewMarkdown(review);
    expect(md).not.toContain('<img');
    expect(md).toContain(markdownText(note));
    expect(markdownText('a|b [c](d)')).toBe('a\\|b \\[c\\](d)');
  });
});
