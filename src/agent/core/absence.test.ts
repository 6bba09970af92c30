import { describe, expect, it } from 'vitest';
import { loadAbsences, noteStart, noteStop, saveAbsences } from './absence.js';
import { MemoryStore } from '../agent-core.test-support.js';

describe('absences in the durable store', () => {
  it('reads what an agent before 0.2 kept under "away", then keeps it as absences', async () => {
    const store = new MemoryStore();
    const stop = { at: '2026-01-10T08:00:00.000Z', detail: 'stopped by a user' };
    const told = {
      kind: 'server-unreachable',
      from: '2026-01-09T08:00:00.000Z',
      to: '2026-01-09T09:00:00.000Z',
      detail: 'ECONNREFUSED',
    };
    await store.put('away', JSON.stringify({ stop, unreachable: null, events: [told] }));

    const state = await loadAbsences(store);
    expect(state).toEqual({ stop, unreachable: null, absences: [told] });

    const started = noteStart(state, new Date('2026-01-10T09:00:00.000Z'));
    await saveAbsences(store, started);
    expect(store.values.has('away')).toBe(false);
    expect((await loadAbsences(store)).absences.map((a) => a.kind)).toEqual([
      'server-unreachable',
      'agent-stopped',
    ]);
  });

  it('keeps a stop until the next start', async () => {
    const store = new MemoryStore();
    const at = new Date('2026-01-10T08:00:00.000Z');
    await saveAbsences(store, noteStop(await loadAbsences(store), at, 'maintenance'));
    expect((await loadAbsences(store)).stop).toEqual({
      at: at.toISOString(),
      detail: 'maintenance',
    });
  });
});
