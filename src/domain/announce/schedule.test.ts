import { describe, expect, it } from 'vitest';
import type { DryRun } from '../rollout/dry-run.js';
import {
  formatWhen,
  MAX_DELIVERY_ATTEMPTS,
  ownerAction,
  recipientsOf,
  remindersOf,
  retryDelayMs,
} from './schedule.js';

const at = (iso: string) => Date.parse(iso);
const phase = (name: string, open: string, computers: [string, string | null][]) => ({
  name,
  percent: null,
  groups: [],
  earliestOpenAt: at(open),
  openWhy: '',
  gate: '',
  computers: computers.map(([id, start]) => ({
    id,
    hostname: `host-${id}`,
    earliestStartAt: start === null ? null : at(start),
    why: '',
  })),
});

const dryRun: DryRun = {
  phases: [
    phase('pilot', '2026-05-30T10:00:00Z', [['a', '2026-05-30T14:30:00Z']]),
    phase('broad', '2026-05-31T10:00:00Z', [
      ['b', null],
      ['c', '2026-05-31T14:30:00Z'],
    ]),
  ],
  unreached: [],
};

describe('who is told the schedule', () => {
  const recipients = recipientsOf({
    dryRun,
    owners: new Map([
      ['a', { ownerEmail: 'Alice@example.com', groups: ['paris'] }],
      ['b', { ownerEmail: 'bob@example.com', groups: ['nowhere'] }],
      ['c', { ownerEmail: 'alice@example.com', groups: ['paris'] }],
    ]),
    windowsByGroup: {
      paris: [{ cron: '30 16 * * *', durationMinutes: 60, timezone: 'Europe/Paris' }],
    },
    admins: ['ops@example.com', 'ops@example.com'],
    defaultTimeZone: 'UTC',
  });

  it('tells each admin once, a line per phase, and each owner once, a line per computer', () => {
    expect(recipients.map((r) => [r.address, r.audience, r.timeZone])).toEqual([
      ['ops@example.com', 'admin', 'UTC'],
      ['Alice@example.com', 'owner', 'Europe/Paris'],
      ['bob@example.com', 'owner', 'UTC'],
    ]);
    expect(recipients[0]?.items.map((i) => i.label)).toEqual([
      'pilot (1 computer)',
      'broad (2 computers)',
    ]);
    expect(recipients[1]?.items.map((i) => [i.label, i.at])).toEqual([
      ['host-a', at('2026-05-30T14:30:00Z')],
      ['host-c', at('2026-05-31T14:30:00Z')],
    ]);
    // No start within windows: the phase's opening.
    expect(recipients[2]?.items[0]?.at).toBe(at('2026-05-31T10:00:00Z'));
  });

  it('reminds before each phase a recipient is in, unless that is already past', () => {
    const alice = recipients[1];
    if (!alice) throw new Error('no alice');
    const hour = 3_600_000;
    expect(
      remindersOf(alice, hour, at('2026-05-29T12:00:00Z')).map((r) => [r.phase, r.sendAt]),
    ).toEqual([
      ['pilot', at('2026-05-30T13:30:00Z')],
      ['broad', at('2026-05-31T13:30:00Z')],
    ]);
    expect(remindersOf(alice, hour, at('2026-05-30T13:30:00Z')).map((r) => r.phase)).toEqual([
      'broad',
    ]);
  });

  it("says when in the recipient's time zone, and what to do", () => {
    expect(formatWhen(at('2026-05-30T14:30:00Z'), 'Europe/Paris')).toBe('Sat 30 May 2026, 16:30');
    expect(ownerAction(at('2026-05-30T14:30:00Z'), 'Europe/Paris')).toMatch(
      /^Leave your computer on overnight on 30 May from 16:30/,
    );
    expect(ownerAction(at('2026-05-30T10:00:00Z'), 'UTC')).toMatch(
      /^Leave your computer on from 10:00 on 30 May,/,
    );
  });

  it('retries after 30 s, doubling up to an hour', () => {
    expect([1, 2, 3, 8, MAX_DELIVERY_ATTEMPTS].map(retryDelayMs)).toEqual([
      30_000, 60_000, 120_000, 3_600_000, 3_600_000,
    ]);
  });
});
