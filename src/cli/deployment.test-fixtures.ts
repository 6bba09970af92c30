import { expect } from 'vitest';
import { statusStates } from '../domain/status.js';
import type { Seen } from './cli.test-support.js';

/** Fixtures shared by the deployment command tests. */

export const counts = (set: Record<string, number> = {}) => ({
  ...Object.fromEntries(statusStates.map((s) => [s, 0])),
  ...set,
});

export const view = (extra: Record<string, unknown> = {}) => ({
  id: 'd1',
  updateId: 'acme-1',
  updates: ['acme-1'],
  countsByUpdate: { 'acme-1': counts({ installed: 2 }) },
  groups: ['paris'],
  state: 'active',
  stateReason: null,
  action: 'install',
  emergency: null,
  deadline: null,
  waitingFor: null,
  createdAt: '2026-11-25T09:00:00.000Z',
  counts: counts({ installed: 2 }),
  total: 2,
  phases: [
    {
      index: 0,
      name: 'all',
      percent: 100,
      groups: [],
      openedAt: '2026-11-25T09:00:00.000Z',
      promotedAt: null,
      size: 2,
      counts: counts({ installed: 2 }),
    },
  ],
  plan: {},
  computers: [],
  ...extra,
});

/** The one request the command sent, as `METHOD path` and its JSON body. */
export function sentOnce(seen: readonly Seen[]): Seen {
  expect(seen).toHaveLength(1);
  return seen[0] as Seen;
}
