import { beforeEach, describe, expect, it } from 'vitest';
import type { Assignment } from '../../contracts/agent-protocol.js';
import type { CycleEvent } from './agent-core.js';
import {
  FakeHost,
  FakeServer,
  makeAssignment,
  PAYLOAD,
  sha,
  fakeCore,
} from '../agent-core.test-support.js';

describe('AgentCore client policies and the local user', () => {
  let host: FakeHost;
  let server: FakeServer;
  let clock: number;
  let events: CycleEvent[];
  const T0 = Date.parse('2025-06-01T00:00:00Z');
  const at = (ms: number) => new Date(ms).toISOString();
  const core = () =>
    fakeCore(host, server, () => new Date((clock += 1000)), { onEvent: (e) => events.push(e) });
  const told = () => server.applied.map((r) => [r.state, r.message]);
  const approve = (stage: 'download' | 'install', updateId = 'app-1.2') =>
    host.user.add({ kind: 'approve', updateId, stage, requestedAt: at(clock), by: 'admin' });
  const policy = (extra: Partial<Assignment>) => makeAssignment({}, extra);

  beforeEach(() => {
    host = new FakeHost();
    server = new FakeServer();
    server.content.set(sha(PAYLOAD), PAYLOAD);
    clock = T0;
    events = [];
    host.commands.set('sh setup.sh', (_spec, h) => {
      h.files.set('/opt/app/1.2', 'ok');
      return { exitCode: 0 };
    });
  });

  it('notify: asks before the download and again before the install, once each', async () => {
    server.assignments = [policy({ policy: 'notify' })];
    await core().runCycle();
    await core().runCycle();
    expect(told()).toEqual([
      ['awaiting-user', 'waiting for a local admin to approve the download'],
    ]);
    expect(server.downloads).toEqual([]);
    expect(host.user.last?.updates).toMatchObject([
      { updateId: 'app-1.2', waitingFor: 'download-approval', policy: 'notify', approved: false },
    ]);

    // Approving the install while the download waits changes nothing.
    approve('install');
    await core().runCycle();
    expect(server.downloads).toEqual([]);
    expect(host.user.queue).toEqual([]);

    approve('download');
    await core().runCycle();
    await core().runCycle();
    expect(told().slice(1)).toEqual([
      ['downloading', null],
      ['awaiting-user', 'downloaded; waiting for a local admin to approve the install'],
    ]);
    expect(host.content.cache.has(sha(PAYLOAD))).toBe(true);
    expect(host.user.last?.updates).toMatchObject([{ waitingFor: 'install-approval' }]);
    expect(host.ran).toEqual([]);

    approve('install');
    await core().runCycle();
    expect(told().slice(3)).toEqual([
      ['installing', 'approved by a local admin'],
      ['installed', null],
    ]);
    expect(server.downloads).toHaveLength(1);
    expect(host.user.last?.updates).toEqual([]);
  });

  it('a postponement by the person at the computer is told as user-postponed, until it ends', async () => {
    server.assignments = [policy({ policy: 'auto-download' })];
    await core().runCycle();
    const until = at(T0 + 3_600_000);
    host.user.add({
      kind: 'postpone',
      updateId: 'app-1.2',
      until,
      requestedAt: at(clock),
      by: 'kim',
    });
    const result = await core().runCycle();
    await core().runCycle(); // told once, not every cycle
    expect(server.applied.slice(-1).map((r) => [r.state, r.reason, r.message])).toEqual([
      ['awaiting-user', 'user-postponed', `postponed by kim until ${until}`],
    ]);
    expect(server.applied.filter((r) => r.reason === 'user-postponed')).toHaveLength(1);
    expect(result).toMatchObject({ nextDueAt: until });
    expect(host.user.last?.updates).toMatchObject([{ updateId: 'app-1.2', postponedUntil: until }]);
    // Approving it does not install it before the postponement ends.
    approve('install');
    await core().runCycle();
    expect(host.ran).toEqual([]);

    clock = T0 + 3_600_000;
    await core().runCycle();
    expect(server.applied.slice(-2).map((r) => [r.state, r.reason])).toEqual([
      ['installing', null],
      ['installed', null],
    ]);
  });

  it('a postponement taken back is told at once, and the install goes on as its policy says', async () => {
    server.assignments = [policy({ policy: 'auto-download' })];
    await core().runCycle();
    host.user.add({
      kind: 'postpone',
      updateId: 'app-1.2',
      until: at(T0 + 86_400_000),
      requestedAt: at(clock),
      by: 'kim',
    });
    await core().runCycle();
    expect(server.applied.at(-1)?.reason).toBe('user-postponed');
    host.user.add({
      kind: 'take-back-postpone',
      updateId: 'app-1.2',
      requestedAt: at(clock),
      by: 'kim',
    });
    await core().runCycle();
    expect(server.applied.at(-1)).toMatchObject({
      state: 'awaiting-user',
      reason: null,
      message: 'downloaded; waiting for a local admin to approve the install',
    });
    expect(host.user.last?.updates).toMatchObject([{ updateId: 'app-1.2', postponedUntil: null }]);
    approve('install');
    await core().runCycle();
    expect(server.applied.at(-1)?.state).toBe('installed');
    // A second take-back has nothing left to take back.
    host.user.add({
      kind: 'take-back-postpone',
      updateId: 'app-1.2',
      requestedAt: at(clock),
      by: null,
    });
    await core().runCycle();
    expect(events.filter((e) => e.type === 'user-request').at(-1)).toMatchObject({
      outcome: { applied: false, note: 'the install of app-1.2 is not postponed' },
    });
  });

  it('a deadline that has passed installs a postponed update anyway', async () => {
    server.assignments = [policy({ policy: 'notify', deadline: at(T0 + 600_000) })];
    await core().runCycle();
    host.user.add({
      kind: 'postpone',
      updateId: 'app-1.2',
      until: at(T0 + 86_400_000),
      requestedAt: at(clock),
      by: null,
    });
    await core().runCycle();
    expect(server.applied.at(-1)).toMatchObject({
      state: 'awaiting-user',
      reason: 'user-postponed',
    });
    expect(server.applied.at(-1)?.message).toMatch(/^postponed until .*; enforced at the deadline/);
    clock = T0 + 600_000;
    await core().runCycle();
    expect(server.applied.at(-1)?.state).toBe('installed');
  });

  it('ignores a postponement of an update that is not pending, or one already over', async () => {
    server.assignments = [policy({ policy: 'notify' })];
    await core().runCycle();
    host.user.add({
      kind: 'postpone',
      updateId: 'other',
      until: at(T0 + 3_600_000),
      requestedAt: at(clock),
      by: null,
    });
    host.user.add({
      kind: 'postpone',
      updateId: 'app-1.2',
      until: at(T0),
      requestedAt: at(clock),
      by: null,
    });
    await core().runCycle();
    expect(server.applied.some((r) => r.reason === 'user-postponed')).toBe(false);
    expect(host.user.queue).toEqual([]);
  });

  it('auto-download: downloads, asks once before the install, keeps the files', async () => {
    server.assignments = [policy({ policy: 'auto-download' })];
    await core().runCycle();
    await core().runCycle();
    await core().runCycle();
    expect(told()).toEqual([
      ['downloading', null],
      ['awaiting-user', 'downloaded; waiting for a local admin to approve the install'],
    ]);
    expect(host.content.cache.has(sha(PAYLOAD))).toBe(true);

    approve('install');
    await core().runCycle();
    expect(
      told()
        .slice(2)
        .map(([state]) => state),
    ).toEqual(['installing', 'installed']);
    expect(server.downloads).toHaveLength(1);
    expect(host.ran).toHaveLength(1);
  });

  it('scheduled: downloads, installs at installAt without asking', async () => {
    const installAt = at(T0 + 3_600_000);
    server.assignments = [policy({ policy: 'scheduled', installAt })];
    const first = await core().runCycle();
    expect(first).toMatchObject({ outcome: 'ok', nextDueAt: installAt });
    expect(told()).toEqual([
      ['downloading', null],
      ['downloaded', `downloaded; installs at ${installAt}, or earlier if a local admin says so`],
    ]);
    expect(host.user.last?.updates).toMatchObject([{ waitingFor: 'scheduled-install', installAt }]);
    await core().runCycle();
    expect(server.applied).toHaveLength(2);

    clock = T0 + 3_600_000;
    await core().runCycle();
    expect(told().slice(2)).toEqual([
      ['installing', `scheduled for ${installAt}`],
      ['installed', null],
    ]);
  });

  it('scheduled: a local admin may install earlier', async () => {
    server.assignments = [policy({ policy: 'scheduled', installAt: at(T0 + 86_400_000) })];
    await core().runCycle();
    approve('install');
    await core().runCycle();
    expect(told().slice(2)).toEqual([
      ['installing', 'approved by a local admin before its time'],
      ['installed', null],
    ]);
  });

  it('the deadline forces the install whatever the policy', async () => {
    const deadline = at(T0 + 60_000);
    server.assignments = [policy({ policy: 'notify', deadline })];
    await core().runCycle();
    expect(told()).toEqual([
      [
        'awaiting-user',
        `waiting for a local admin to approve the download; enforced at the deadline ${deadline}`,
      ],
    ]);
    clock = T0 + 60_000;
    await core().runCycle();
    expect(told().slice(1)).toEqual([
      ['downloading', null],
      ['installing', `the deadline ${deadline} has passed`],
      ['installed', null],
    ]);
  });

  it('an emergency installs at once, without asking', async () => {
    server.assignments = [policy({ policy: 'notify', emergency: true })];
    await core().runCycle();
    expect(told()).toEqual([
      ['downloading', null],
      ['installing', 'emergency deployment'],
      ['installed', null],
    ]);
  });

  it('drops the pending install and its files when the assignment goes away', async () => {
    server.assignments = [policy({ policy: 'auto-download' })];
    await core().runCycle();
    expect(host.content.cache.size).toBe(1);
    approve('install'); // too late: the deployment is halted before the agent sees it

    server.assignments = [];
    await core().runCycle();
    expect(host.content.cache.size + host.content.parts.size).toBe(0);
    expect(events).toContainEqual({ type: 'dropped', updateId: 'app-1.2' });
    expect(host.user.last?.updates).toEqual([]);
    expect(host.ran).toEqual([]);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'user-request',
        outcome: expect.objectContaining({ applied: true }) as unknown,
      }),
    );

    // Resumed: it starts over and asks again.
    server.assignments = [policy({ policy: 'auto-download' })];
    await core().runCycle();
    expect(server.downloads).toHaveLength(2);
    expect(server.applied.at(-1)?.state).toBe('awaiting-user');
    expect(host.ran).toEqual([]);
  });

  it('ignores approvals of updates that are not pending', async () => {
    approve('install', 'nothing-1');
    await core().runCycle();
    expect(host.user.queue).toEqual([]);
    expect(events).toContainEqual({
      type: 'user-request',
      outcome: expect.objectContaining({
        applied: false,
        note: 'nothing-1 is not pending',
      }) as unknown,
    });
  });

  it('runs an uninstall at once whatever the policy, dropping the waiting install', async () => {
    server.assignments = [policy({ policy: 'auto-download' })];
    await core().runCycle();
    host.files.set('/opt/app/1.2', 'ok');
    host.commands.set('sh uninstall.sh', (_spec, h) => {
      h.files.delete('/opt/app/1.2');
      return { exitCode: 0 };
    });
    server.assignments = [
      makeAssignment(
        { uninstall: { command: 'sh uninstall.sh' } },
        { action: 'uninstall', policy: 'notify' },
      ),
    ];
    await core().runCycle();
    expect(
      told()
        .slice(2)
        .map(([state]) => state),
    ).toEqual(['uninstalling', 'uninstalled']);
    expect(host.user.last?.updates).toEqual([]);
  });

  it('tells the server once about a clean stop, at the first check-in after the start', async () => {
    await core().runCycle();
    clock = T0 + 10_000;
    await core().stopped('stopped for maintenance');
    clock = T0 + 3_600_000;
    await core().started();
    await core().runCycle();
    await core().runCycle();
    const sent = server.checkins.map((c) => c.absences ?? []); // none: left out
    expect(sent).toEqual([
      [],
      [
        {
          kind: 'agent-stopped',
          from: at(T0 + 11_000),
          to: at(T0 + 3_601_000),
          detail: 'stopped for maintenance',
        },
      ],
      [],
    ]);
  });

  it('tells the server once how long it was unreachable, keeping the absences until then', async () => {
    const still = () => fakeCore(host, server, () => new Date(clock), { enrollmentToken: 'e' });
    await still().runCycle();
    clock = T0 + 10_000;
    await still().stopped('service stopped');
    clock = T0 + 20_000;
    await still().started();
    server.down = true;
    clock = T0 + 60_000;
    const failed = await still().runCycle();
    expect(failed).toMatchObject({ outcome: 'failed', transient: true });
    clock = T0 + 120_000;
    await still().runCycle(); // the outage began at the first failure, not this one
    server.down = false;
    clock = T0 + 600_000;
    await still().runCycle();
    await still().runCycle();

    const sent = server.checkins.map((c) => c.absences ?? []); // none: left out
    expect(sent).toHaveLength(5);
    expect(sent[3]).toEqual([
      {
        kind: 'agent-stopped',
        from: at(T0 + 10_000),
        to: at(T0 + 20_000),
        detail: 'service stopped',
      },
      {
        kind: 'server-unreachable',
        from: at(T0 + 60_000),
        to: at(T0 + 600_000),
        detail: 'server unreachable: ECONNREFUSED',
      },
    ]);
    // While it failed, the check-ins carried the stop too (none is lost on a failure).
    expect(sent[1]?.map((e) => e.kind)).toEqual(['agent-stopped']);
    expect(sent[4]).toEqual([]);
  });

  describe('restarts', () => {
    beforeEach(() => {
      host.commands.set('sh setup.sh', () => ({ exitCode: 194 }));
    });
    const restartEvents = () => events.flatMap((e) => (e.type === 'restart' ? [e.outcome] : []));

    it('never restarts without a reboot command', async () => {
      server.assignments = [makeAssignment()];
      await core().runCycle();
      expect(server.applied.at(-1)?.state).toBe('pending-reboot');
      expect(restartEvents()).toEqual(['manual']);
      expect(host.user.last?.restart).toEqual({
        updates: ['app-1.2'],
        automatic: false,
        postponedUntil: null,
        blockedByLoggedOnUser: false,
      });
    });

    it('runs the reboot command once per boot, after the reports are sent', async () => {
      host.allowRestart();
      server.assignments = [makeAssignment()];
      await core().runCycle();
      expect(host.restarts).toBe(1);
      expect(await core().pendingReports()).toEqual([]);
      await core().runCycle(); // the restart has not happened yet: do not ask again
      expect(host.restarts).toBe(1);
      expect(restartEvents()).toEqual(['restarting', 'already-requested']);

      // The stop that follows says why.
      await core().stopped('stopped by a user or service manager');
      host.boot = '2025-06-02T00:00:00.000Z';
      host.files.set('/opt/app/1.2', 'ok');
      await core().started();
      await core().runCycle();
      expect(server.applied.at(-1)?.state).toBe('installed');
      expect(server.checkins.at(-1)?.absences?.[0]?.detail).toContain('restarting the computer');
    });

    it('honours a postponement by a local admin', async () => {
      host.allowRestart();
      host.user.add({
        kind: 'postpone-restart',
        until: at(T0 + 4 * 3_600_000),
        requestedAt: at(T0),
        by: 'admin',
      });
      server.assignments = [makeAssignment()];
      const result = await core().runCycle();
      expect(host.restarts).toBe(0);
      expect(restartEvents()).toEqual(['postponed']);
      expect(result).toMatchObject({ nextDueAt: at(T0 + 4 * 3_600_000) });
      expect(host.user.last?.restart?.postponedUntil).toBe(at(T0 + 4 * 3_600_000));

      clock = T0 + 4 * 3_600_000;
      await core().runCycle();
      expect(host.restarts).toBe(1);
    });

    it('restarts once the local admin takes the postponement back', async () => {
      host.allowRestart();
      host.user.add({
        kind: 'postpone-restart',
        until: at(T0 + 4 * 3_600_000),
        requestedAt: at(T0),
        by: 'admin',
      });
      server.assignments = [makeAssignment()];
      await core().runCycle();
      expect(host.restarts).toBe(0);
      host.user.add({ kind: 'take-back-postpone-restart', requestedAt: at(clock), by: 'admin' });
      await core().runCycle();
      expect(host.restarts).toBe(1);
      expect(events.filter((e) => e.type === 'user-request').at(-1)).toMatchObject({
        outcome: { applied: true, note: 'restart postponement taken back' },
      });
    });

    it('does not restart while a user is logged on when the assignment says so', async () => {
      host.allowRestart();
      host.users = 1;
      server.assignments = [makeAssignment({}, { noAutoRestartWhileLoggedOn: true })];
      await core().runCycle();
      expect(host.restarts).toBe(0);
      expect(host.user.last?.restart?.blockedByLoggedOnUser).toBe(true);

      host.users = 0;
      await core().runCycle();
      expect(host.restarts).toBe(1);
      expect(restartEvents()).toEqual(['blocked-by-logged-on-user', 'restarting']);
    });

    it('restarts with users logged on when the assignment allows it', async () => {
      host.allowRestart();
      host.users = 3;
      server.assignments = [makeAssignment()];
      await core().runCycle();
      expect(host.restarts).toBe(1);
    });
  });
});
