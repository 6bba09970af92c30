import { describe, expect, it } from 'vitest';
import {
  FakeHost,
  FakeServer,
  makeAssignment,
  PAYLOAD,
  sha,
  fakeCore,
} from '../agent-core.test-support.js';
import type { CommandResult, CommandSpec } from './host.js';

describe('an install left running by a killed agent', () => {
  it('is waited for, never started twice, and detected once it has gone', async () => {
    const host = new FakeHost();
    const server = new FakeServer();
    server.content.set(sha(PAYLOAD), PAYLOAD);
    server.assignments = [makeAssignment()];
    let clock = Date.parse('2026-01-10T09:00:00Z');
    const core = () => fakeCore(host, server, () => new Date((clock += 1000)));
    const alive = new Set<number>();
    const runs: CommandSpec[] = [];
    let started: ((pid: number) => void) | undefined;
    host.processRunning = (pid: number) => Promise.resolve(alive.has(pid));
    // The install runs (pid 4242) and the agent process is killed meanwhile: the
    // cycle never ends, the command goes on.
    host.runCommand = (spec: CommandSpec, onStarted?: (pid: number) => void) => {
      runs.push(spec);
      started = onStarted;
      return new Promise<CommandResult>(() => undefined);
    };
    void core().runCycle();
    await waitUntil(() => started !== undefined);
    alive.add(4242);
    started?.(4242);
    await waitUntil(() => (host.storage.values.get('memory') ?? '').includes('4242'));

    // The restarted agent: the install still runs, so it waits and looks again soon.
    const waiting = await core().runCycle();
    expect(runs).toHaveLength(1);
    expect(waiting).toMatchObject({
      outcome: 'ok',
      assignments: [{ updateId: 'app-1.2', end: 'installing' }],
    });
    const due = waiting.outcome === 'ok' ? Date.parse(waiting.nextDueAt ?? '') : NaN;
    expect(due - clock).toBeLessThanOrEqual(30_000);

    // It has finished (and installed the update): detected, reported, not run again.
    alive.delete(4242);
    host.files.set('/opt/app/1.2', 'ok');
    const done = await core().runCycle();
    expect(runs).toHaveLength(1);
    expect(done).toMatchObject({ assignments: [{ updateId: 'app-1.2', end: 'installed' }] });
    expect(server.applied.at(-1)?.state).toBe('installed');
    expect(host.storage.values.get('memory') ?? '').not.toContain('4242');
  });

  it('runs the install again when the one left running is gone without installing', async () => {
    const host = new FakeHost();
    const server = new FakeServer();
    server.content.set(sha(PAYLOAD), PAYLOAD);
    server.assignments = [makeAssignment()];
    const memory = {
      reboots: {},
      pending: {},
      restart: { postponedUntil: null, triedInBoot: null },
      running: { 'app-1.2': { startedAt: '2026-01-10T08:00:00Z', bootTime: host.boot, pid: 77 } },
    };
    host.storage.values.set('memory', JSON.stringify(memory));
    host.processRunning = () => Promise.resolve(false);
    host.commands.set('sh setup.sh', (_spec, h) => {
      h.files.set('/opt/app/1.2', 'ok');
      return { exitCode: 0 };
    });
    const core = fakeCore(host, server, () => new Date('2026-01-10T09:00:00Z'));
    expect(await core.runCycle()).toMatchObject({
      assignments: [{ updateId: 'app-1.2', end: 'installed' }],
    });
    expect(host.ran.map((c) => c.command)).toEqual(['sh setup.sh']);
  });
});

/** Lets the pending microtasks and I/O callbacks of the in-memory host run. */
async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setImmediate(r));
  expect(check()).toBe(true);
}
