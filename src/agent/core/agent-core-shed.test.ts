import { describe, expect, it } from 'vitest';
import { AgentCore } from './agent-core.js';
import {
  FakeHost,
  FakeServer,
  installer,
  makeAssignment,
  PAYLOAD,
  sha,
} from '../agent-core.test-support.js';
import { Outbox } from './outbox.js';
import { ServerCallError } from './server-client.js';

describe('AgentCore and a server that sheds', () => {
  it('keeps a shed report batch, does not check in on top of it, and says how long to wait', async () => {
    const host = new FakeHost();
    const server = new FakeServer();
    server.content.set(sha(PAYLOAD), PAYLOAD);
    host.commands.set('sh setup.sh', (_spec, h) => {
      h.files.set('/opt/app/1.2', 'ok');
      return { exitCode: 0 };
    });
    let clock = Date.parse('2026-01-10T09:00:00Z');
    const core = () =>
      new AgentCore({
        host,
        installer,
        client: server,
        enrollmentToken: 'enroll-me',
        now: () => new Date((clock += 1000)),
      });
    const reports = server.reports.bind(server);
    const shed = () => Promise.reject(new ServerCallError('busy (HTTP 503)', 503, 'overloaded', 9));

    // The install runs while every report batch is shed.
    server.assignments = [makeAssignment()];
    server.reports = shed;
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok' });
    expect((await core().pendingReports()).map((r) => r.state)).toContain('installed');

    // The next cycle starts with the outbox: shed again, so no check-in follows it.
    const checkins = server.checkins.length;
    expect(await core().runCycle()).toEqual({
      outcome: 'failed',
      stage: 'checkin',
      transient: true,
      message: 'the server is overloaded: the reports wait in the outbox',
      retryAfterSeconds: 9,
    });
    expect(server.checkins).toHaveLength(checkins);
    expect(await new Outbox(host.storage).quarantined()).toEqual([]);

    // The flood is over: every report is applied.
    server.reports = reports;
    expect(await core().runCycle()).toMatchObject({ outcome: 'ok' });
    expect(server.applied.map((r) => r.state)).toContain('installed');
    expect(await core().pendingReports()).toEqual([]);
  });

  it('passes the Retry-After of a shed check-in on to the runner', async () => {
    const server = new FakeServer();
    server.checkin = () =>
      Promise.reject(new ServerCallError('busy (HTTP 503)', 503, 'overloaded', 12));
    const result = await new AgentCore({
      host: new FakeHost(),
      installer,
      client: server,
      enrollmentToken: 'enroll-me',
      now: () => new Date(),
    }).runCycle();
    expect(result).toMatchObject({ outcome: 'failed', transient: true, retryAfterSeconds: 12 });
  });
});
