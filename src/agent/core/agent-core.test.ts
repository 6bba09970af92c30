import { beforeEach, describe, expect, it } from 'vitest';
import { AgentCore } from './agent-core.js';
import type { CommandResult } from './host.js';
import {
  FakeHost,
  FakeServer,
  makeAssignment,
  PAYLOAD,
  sha,
  installer,
  fakeCore,
} from '../agent-core.test-support.js';
import { ServerCallError } from './server-client.js';

describe('AgentCore', () => {
  let host: FakeHost;
  let server: FakeServer;
  let clock: number;
  const core = () => fakeCore(host, server, () => new Date((clock += 1000)));
  const states = () => server.applied.map((r) => r.state);

  beforeEach(() => {
    host = new FakeHost();
    server = new FakeServer();
    server.content.set(sha(PAYLOAD), PAYLOAD);
    clock = Date.parse('2025-06-01T00:00:00Z');
    host.commands.set('sh setup.sh', (_spec, h) => {
      h.files.set('/opt/app/1.2', 'ok');
      return { exitCode: 0, output: 'installing\n' };
    });
  });

  it('enrolls once, keeps the credential and reports the server pace', async () => {
    const first = await core().runCycle();
    expect(first).toMatchObject({ outcome: 'ok', computerId: 'c-1', nextCheckinSeconds: 300 });
    expect(JSON.parse(host.storage.values.get('credential') ?? '{}')).toEqual({
      computerId: 'c-1',
      credential: 'secret',
    });
    await core().runCycle();
    expect(server.enrollments).toBe(1);
  });

  it('fails clearly without a credential or an enrollment token', async () => {
    const agent = new AgentCore({ host, installer, client: server, now: () => new Date() });
    const result = await agent.runCycle();
    expect(result).toMatchObject({ outcome: 'failed', stage: 'enroll', transient: false });
    expect(server.enrollments).toBe(0);
  });

  it('installs: downloads, runs in the work dir with the env, then detects', async () => {
    server.assignments = [makeAssignment()];
    const result = await core().runCycle();
    expect(result).toMatchObject({ outcome: 'ok', assignments: [{ end: 'installed' }] });
    expect(states()).toEqual(['downloading', 'installing', 'installed']);
    expect(server.applied.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(host.ran).toHaveLength(1);
    expect(host.ran[0]).toMatchObject({
      cwd: '/work/app-1.2',
      env: { RINGMASTER_UPDATE_ID: 'app-1.2', RINGMASTER_COMPUTER_ID: 'c-1' },
      timeoutSeconds: 600,
    });
    expect(server.applied.at(-1)).toMatchObject({
      exitCode: 0,
      output: 'installing\n',
      deploymentId: 'd-1',
    });
  });

  it('runs nothing when the detect rule says it is installed already', async () => {
    host.files.set('/opt/app/1.2', 'ok');
    server.assignments = [makeAssignment()];
    await core().runCycle();
    expect(states()).toEqual(['installed']);
    expect(host.ran).toEqual([]);
    expect(server.downloads).toEqual([]);
  });

  it('reports not-applicable for another platform', async () => {
    server.assignments = [
      makeAssignment({ platforms: [{ os: 'windows' }, { os: 'linux', arch: 'arm64' }] }),
    ];
    await core().runCycle();
    expect(states()).toEqual(['not-applicable']);
    expect(host.ran).toEqual([]);
  });

  it('fails with disk-space when free disk is short', async () => {
    host.free = 100;
    server.assignments = [makeAssignment({ requires: { freeDiskMB: 500 } })];
    await core().runCycle();
    expect(server.applied).toMatchObject([{ state: 'failed', reason: 'disk-space' }]);
    expect(host.ran).toEqual([]);
  });

  it('fails with prerequisite-missing naming the missing rule', async () => {
    host.files.set('/usr/lib/runtime-1', 'x');
    server.assignments = [
      makeAssignment({
        requires: {
          prerequisites: [
            { type: 'file', path: '/usr/lib/runtime-1' },
            { type: 'file', path: '/usr/lib/runtime-2' },
          ],
        },
      }),
    ];
    await core().runCycle();
    expect(server.applied).toMatchObject([{ state: 'failed', reason: 'prerequisite-missing' }]);
    expect(server.applied[0]?.message).toContain('/usr/lib/runtime-2');
    expect(server.applied[0]?.message).not.toContain('runtime-1');
    expect(host.ran).toEqual([]);
  });

  it('never runs anything when a file does not match its hash, and deletes it', async () => {
    const a = makeAssignment();
    server.content.set(sha(PAYLOAD), Buffer.from('#!/bin/sh\nrm -rf /\n'));
    server.assignments = [a];
    await core().runCycle();
    expect(states()).toEqual(['downloading', 'failed']);
    expect(server.applied[1]).toMatchObject({ reason: 'hash-mismatch' });
    expect(server.applied[1]?.message).toContain('setup.sh');
    expect(host.ran).toEqual([]);
    expect(host.content.cache.size + host.content.parts.size).toBe(0);
  });

  it('reports download-failed when the content cannot be fetched', async () => {
    server.content.clear();
    server.assignments = [makeAssignment()];
    await core().runCycle();
    expect(server.applied[1]).toMatchObject({ state: 'failed', reason: 'download-failed' });
    expect(host.ran).toEqual([]);
  });

  it('resumes a partial download and reuses a verified cached copy', async () => {
    host.content.parts.set(sha(PAYLOAD), PAYLOAD.subarray(0, 10));
    server.assignments = [makeAssignment()];
    host.commands.set('sh setup.sh', () => ({ exitCode: 1 }));
    await core().runCycle();
    expect(server.downloads).toEqual([{ sha256: sha(PAYLOAD), offset: 10 }]);
    // Failed install: the verified copy is kept and the retry downloads nothing.
    await core().runCycle();
    expect(server.downloads).toHaveLength(1);
    expect(host.ran).toHaveLength(2);
  });

  it('reports install-error with the exit code and output for exit 1', async () => {
    host.commands.set('sh setup.sh', () => ({ exitCode: 1, output: 'E: broken\n' }));
    server.assignments = [makeAssignment()];
    await core().runCycle();
    expect(server.applied.at(-1)).toMatchObject({
      state: 'failed',
      reason: 'install-error',
      exitCode: 1,
      output: 'E: broken\n',
    });
  });

  it('tells timeout, retry codes and detect mismatch apart', async () => {
    const outcomes: [Partial<CommandResult>, string][] = [
      [{ exitCode: null, timedOut: true }, 'install-timeout'],
      [{ exitCode: 75 }, 'install-retry'],
      [{ exitCode: 0 }, 'detect-mismatch'],
    ];
    for (const [result, reason] of outcomes) {
      host.commands.set('sh setup.sh', () => result);
      server.assignments = [makeAssignment()];
      await core().runCycle();
      expect(server.applied.at(-1)).toMatchObject({ state: 'failed', reason });
    }
  });

  it('reads exit codes by the platform: Windows codes only on Windows', async () => {
    const outcomes: [os: 'linux' | 'windows', exitCode: number, state: string, reason?: string][] =
      [
        ['linux', 3010, 'failed', 'install-error'],
        ['linux', 1618, 'failed', 'install-error'],
        ['windows', 1618, 'failed', 'install-retry'],
        ['windows', 3010, 'pending-reboot'],
      ];
    for (const [os, exitCode, state, reason] of outcomes) {
      host.os = os;
      host.commands.set('sh setup.sh', () => ({ exitCode }));
      server.assignments = [makeAssignment({ platforms: [{ os }] })];
      await core().runCycle();
      expect(server.applied.at(-1), `${os} exit ${exitCode}`).toMatchObject({
        state,
        exitCode,
        ...(reason ? { reason } : {}),
      });
    }
  });

  it('waits for a restart after exit 194 (3010 in 8 bits), then detects', async () => {
    host.commands.set('sh setup.sh', () => ({ exitCode: 194 }));
    server.assignments = [makeAssignment()];
    await core().runCycle();
    expect(server.applied.at(-1)).toMatchObject({ state: 'pending-reboot', exitCode: 194 });

    const count = server.applied.length;
    const again = await core().runCycle();
    expect(again).toMatchObject({ assignments: [{ end: 'awaiting-reboot' }] });
    expect(server.applied).toHaveLength(count);
    expect(host.ran).toHaveLength(1);

    host.boot = '2025-06-02T00:00:00.000Z';
    host.files.set('/opt/app/1.2', 'ok');
    await core().runCycle();
    expect(server.applied.slice(count).map((r) => r.state)).toEqual(['installed']);
    expect(host.ran).toHaveLength(1);
    expect(JSON.parse(host.storage.values.get('memory') ?? '{}')).toMatchObject({
      reboots: {},
      pending: {},
    });
  });

  it('turns an unexpected exception into agent-error and goes on', async () => {
    const broken = makeAssignment({ id: 'broken-1', install: { command: 'nobody-knows' } });
    server.assignments = [broken, makeAssignment()];
    await core().runCycle();
    expect(server.applied.filter((r) => r.updateId === 'broken-1').at(-1)).toMatchObject({
      state: 'failed',
      reason: 'agent-error',
    });
    expect(server.applied.at(-1)).toMatchObject({ updateId: 'app-1.2', state: 'installed' });
  });

  it('uninstalls, and says uninstall-failed without an uninstall command', async () => {
    host.files.set('/opt/app/1.2', 'ok');
    host.commands.set('sh uninstall.sh', (_spec, h) => {
      h.files.delete('/opt/app/1.2');
      return { exitCode: 0 };
    });
    server.assignments = [
      makeAssignment({ uninstall: { command: 'sh uninstall.sh' } }, { action: 'uninstall' }),
    ];
    await core().runCycle();
    expect(states()).toEqual(['uninstalling', 'uninstalled']);

    host.files.set('/opt/app/1.2', 'ok');
    server.assignments = [makeAssignment({}, { action: 'uninstall' })];
    await core().runCycle();
    expect(server.applied.at(-1)).toMatchObject({
      state: 'uninstall-failed',
      reason: 'uninstall-error',
    });
  });

  it('keeps reports across a restart and resends them without duplicates', async () => {
    host.files.set('/opt/app/1.2', 'ok');
    server.assignments = [makeAssignment()];
    await core().runCycle(); // enrolled; seq 1 applied
    host.files.delete('/opt/app/1.2');

    // The server answers the check-in, then goes away before the reports.
    const reports = server.reports.bind(server);
    server.reports = () => Promise.reject(new ServerCallError('unreachable', null, 'x'));
    const result = await core().runCycle();
    expect(result.outcome).toBe('ok');
    const pending = await core().pendingReports(); // a new instance: read from storage
    expect(pending.map((r) => [r.seq, r.state])).toEqual([
      [2, 'downloading'],
      [3, 'installing'],
      [4, 'installed'],
    ]);

    // The server applied seq 2 but the answer was lost: the resend must not duplicate it.
    server.reports = async (auth, request) => {
      await reports(auth, { reports: request.reports.slice(0, 1) });
      throw new ServerCallError('connection reset', null, 'x');
    };
    server.assignments = [];
    await core().runCycle();
    server.reports = reports;
    await core().runCycle();
    expect(server.applied.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(states()).toEqual(['installed', 'downloading', 'installing', 'installed']);
    expect(await core().pendingReports()).toEqual([]);

    // New reports keep counting up after all that.
    server.assignments = [makeAssignment()];
    await core().runCycle();
    expect(server.applied.at(-1)?.seq).toBe(5);
  });

  it('fails transiently when the server is unreachable, keeping the outbox', async () => {
    await core().runCycle();
    server.down = true;
    const result = await core().runCycle();
    expect(result).toMatchObject({ outcome: 'failed', stage: 'checkin', transient: true });
  });

  it('enrolls again when the server refuses the credential', async () => {
    await core().runCycle();
    const checkin = server.checkin.bind(server);
    server.checkin = () =>
      Promise.reject(new ServerCallError('unknown computer', 401, 'unauthorized'));
    const refused = await core().runCycle();
    expect(refused).toMatchObject({ outcome: 'failed', stage: 'checkin' });
    server.checkin = checkin;
    await core().runCycle();
    expect(server.enrollments).toBe(2);
  });
});
