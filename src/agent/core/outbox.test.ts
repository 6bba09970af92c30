import { describe, expect, it } from 'vitest';
import type { ReportsRequest, StatusReport } from '../../contracts/agent-protocol.js';
import type { CycleEvent } from './agent-core.js';
import {
  FakeHost,
  FakeServer,
  makeAssignment,
  MemoryStore,
  PAYLOAD,
  sha,
  fakeCore,
} from '../agent-core.test-support.js';
import { Outbox, type ReportDraft } from './outbox.js';
import { ServerCallError, type ServerClient } from './server-client.js';

const AUTH = { computerId: 'c-1', credential: 'secret' };

const draft = (updateId: string): ReportDraft => ({
  updateId,
  deploymentId: 'd-1',
  state: 'installed',
  reason: null,
  exitCode: null,
  output: null,
  message: null,
  at: '2026-01-10T09:00:00.000Z',
});

/** Takes every report but those of update `bad`, which it refuses with `status`. */
function picky(status: number, calls: ReportsRequest[] = []): ServerClient {
  let acked = 0;
  return {
    enroll: () => Promise.reject(new Error('no')),
    checkin: () => Promise.reject(new Error('no')),
    download: () => Promise.reject(new Error('no')),
    reports: (_auth, request) => {
      calls.push(request);
      if (request.reports.some((r) => r.updateId === 'bad')) {
        return Promise.reject(new ServerCallError(`refused (HTTP ${status})`, status, 'invalid'));
      }
      acked = Math.max(acked, ...request.reports.map((r) => r.seq));
      return Promise.resolve({ ackedSeq: acked });
    },
  };
}

describe('Outbox', () => {
  it('sets a report the server refuses aside, sends the others, and never resends it', async () => {
    for (const status of [400, 404, 409, 413, 422]) {
      const store = new MemoryStore();
      const outbox = new Outbox(store);
      for (const id of ['a', 'bad', 'c']) await outbox.add(draft(id));
      const calls: ReportsRequest[] = [];
      const first = await outbox.flush(picky(status, calls), AUTH);
      expect(first.sent, `HTTP ${status}`).toBe(2);
      expect(first.quarantined.map((q) => [q.report.updateId, q.status])).toEqual([
        ['bad', status],
      ]);
      expect(await outbox.pending()).toEqual([]);

      calls.length = 0;
      expect(await outbox.flush(picky(status, calls), AUTH)).toEqual({ sent: 0, quarantined: [] });
      expect(calls).toEqual([]);
      // Kept, durably, for a person to look at.
      const reread = new Outbox(store);
      expect((await reread.quarantined()).map((q) => q.report.updateId)).toEqual(['bad']);
    }
  });

  it('keeps reports the server did not take for a passing reason or a refused credential', async () => {
    for (const status of [401, 403, 408, 429, 500, 503]) {
      const outbox = new Outbox(new MemoryStore());
      await outbox.add(draft('bad'));
      await expect(outbox.flush(picky(status), AUTH)).rejects.toThrow(ServerCallError);
      expect((await outbox.pending()).map((r: StatusReport) => r.updateId)).toEqual(['bad']);
      expect(await outbox.quarantined()).toEqual([]);
    }
  });
});

describe('AgentCore and a refused credential', () => {
  it('keeps the unsent reports and sends them once enrolled again', async () => {
    const host = new FakeHost();
    const server = new FakeServer();
    server.content.set(sha(PAYLOAD), PAYLOAD);
    host.commands.set('sh setup.sh', (_spec, h) => {
      h.files.set('/opt/app/1.2', 'ok');
      return { exitCode: 0 };
    });
    let clock = Date.parse('2026-01-10T09:00:00Z');
    const events: CycleEvent[] = [];
    const core = () =>
      fakeCore(host, server, () => new Date((clock += 1000)), { onEvent: (e) => events.push(e) });
    const reports = server.reports.bind(server);
    const checkin = server.checkin.bind(server);

    // The install runs while the reports cannot be sent.
    server.assignments = [makeAssignment()];
    server.reports = () => Promise.reject(new ServerCallError('HTTP 503', 503, 'unavailable'));
    await core().runCycle();
    const unsent = (await core().pendingReports()).map((r) => r.state);
    expect(unsent).toContain('installed');

    // The server no longer knows the credential.
    server.checkin = () => Promise.reject(new ServerCallError('HTTP 401', 401, 'unauthorized'));
    await core().runCycle();
    expect(events.some((e) => e.type === 'credential-rejected')).toBe(true);
    expect((await core().pendingReports()).map((r) => r.state)).toEqual(unsent);

    server.reports = reports;
    server.checkin = checkin;
    server.assignments = [];
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok' });
    expect(server.enrollments).toBe(2);
    expect(server.applied.map((r) => r.state)).toEqual(unsent);
    expect(await core().pendingReports()).toEqual([]);
  });
});
