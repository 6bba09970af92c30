import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type {
  AgentEvent,
  Assignment,
  CheckinRequest,
  StatusReport,
} from '../../contracts/agent-protocol.js';
import type { Inventory } from '../../contracts/inventory.js';
import { updateManifest, type UpdateManifestInput } from '../../contracts/manifest.js';
import { AgentCore, type CycleEvent } from './agent-core.js';
import type {
  CommandResult,
  CommandSpec,
  ContentStore,
  DurableStore,
  FileDigest,
  Host,
  PartialFile,
} from './host.js';
import type { LocalUserChannel, PendingView, UserRequest, UserRequestBody } from './local-user.js';
import { ServerCallError, type ServerClient } from './server-client.js';

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

class MemoryStore implements DurableStore {
  readonly values = new Map<string, string>();
  get(key: string): Promise<string | null> {
    return Promise.resolve(this.values.get(key) ?? null);
  }
  put(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.values.delete(key);
    return Promise.resolve();
  }
}

class MemoryContent implements ContentStore {
  readonly cache = new Map<string, Buffer>();
  readonly parts = new Map<string, Buffer>();
  readonly workDirs = new Map<string, Map<string, Buffer>>();

  cached(sha256: string): Promise<FileDigest | null> {
    return Promise.resolve(digest(this.cache.get(sha256)));
  }
  openPartial(sha256: string): Promise<PartialFile> {
    const parts = this.parts;
    if (!parts.has(sha256)) parts.set(sha256, Buffer.alloc(0));
    return Promise.resolve({
      get size() {
        return parts.get(sha256)?.length ?? 0;
      },
      append(chunk: Uint8Array) {
        parts.set(sha256, Buffer.concat([parts.get(sha256) ?? Buffer.alloc(0), chunk]));
        return Promise.resolve();
      },
      reset() {
        parts.set(sha256, Buffer.alloc(0));
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    });
  }
  digestPartial(sha256: string): Promise<FileDigest | null> {
    return Promise.resolve(digest(this.parts.get(sha256)));
  }
  promotePartial(sha256: string): Promise<void> {
    const part = this.parts.get(sha256);
    if (!part) throw new Error('no partial');
    this.cache.set(sha256, part);
    this.parts.delete(sha256);
    return Promise.resolve();
  }
  discard(sha256: string): Promise<void> {
    this.cache.delete(sha256);
    this.parts.delete(sha256);
    return Promise.resolve();
  }
  prune(keep: ReadonlySet<string>): Promise<void> {
    for (const key of [...this.cache.keys()]) if (!keep.has(key)) this.cache.delete(key);
    for (const key of [...this.parts.keys()]) if (!keep.has(key)) this.parts.delete(key);
    return Promise.resolve();
  }
  createWorkDir(updateId: string): Promise<string> {
    this.workDirs.set(`/work/${updateId}`, new Map());
    return Promise.resolve(`/work/${updateId}`);
  }
  fillWorkDir(workDir: string, files: readonly { path: string; sha256: string }[]): Promise<void> {
    const dir = this.workDirs.get(workDir);
    if (!dir) throw new Error('no work dir');
    for (const f of files) dir.set(f.path, this.cache.get(f.sha256) ?? Buffer.alloc(0));
    return Promise.resolve();
  }
  removeWorkDir(updateId: string): Promise<void> {
    this.workDirs.delete(`/work/${updateId}`);
    return Promise.resolve();
  }
}

function digest(data: Buffer | undefined): FileDigest | null {
  return data ? { sha256: sha(data), size: data.length } : null;
}

type CommandHandler = (spec: CommandSpec, host: FakeHost) => Partial<CommandResult>;

class MemoryUser implements LocalUserChannel {
  queue: UserRequest[] = [];
  views: PendingView[] = [];
  private next = 0;
  add(body: UserRequestBody): void {
    this.queue.push({ ...body, id: `r-${(this.next += 1)}` });
  }
  requests(): Promise<UserRequest[]> {
    return Promise.resolve([...this.queue]);
  }
  consume(ids: readonly string[]): Promise<void> {
    this.queue = this.queue.filter((r) => !ids.includes(r.id));
    return Promise.resolve();
  }
  publish(view: PendingView): Promise<void> {
    this.views.push(view);
    return Promise.resolve();
  }
  get last(): PendingView | undefined {
    return this.views.at(-1);
  }
}

class FakeHost implements Host {
  storage = new MemoryStore();
  content = new MemoryContent();
  files = new Map<string, string>();
  commands = new Map<string, CommandHandler>();
  ran: CommandSpec[] = [];
  free = 10_000;
  boot = '2025-01-01T00:00:00.000Z';
  os = 'linux';
  user = new MemoryUser();
  users = 0;
  restarts = 0;
  restartComputer?: () => Promise<CommandResult>;

  loggedOnUsers(): Promise<number> {
    return Promise.resolve(this.users);
  }
  allowRestart(): void {
    this.restartComputer = () => {
      this.restarts += 1;
      return Promise.resolve({ exitCode: 0, timedOut: false, output: '' });
    };
  }

  inventory(): Promise<Inventory> {
    return Promise.resolve({
      hostname: 'pc-1',
      os: this.os,
      osVersion: '6.1',
      arch: 'x64',
      hardwareId: 'hw-1',
      freeDiskMB: this.free,
      agentVersion: '0.1.0',
      ipAddresses: [],
      site: null,
      bootTime: this.boot,
    });
  }
  freeDiskMB(): Promise<number> {
    return Promise.resolve(this.free);
  }
  bootTime(): Promise<string | null> {
    return Promise.resolve(this.boot);
  }
  inspectFile(path: string, options: { hash: boolean }) {
    const data = this.files.get(path);
    if (data === undefined) return Promise.resolve({ exists: false });
    return Promise.resolve(options.hash ? { exists: true, sha256: sha(data) } : { exists: true });
  }
  runCommand(spec: CommandSpec): Promise<CommandResult> {
    this.ran.push(spec);
    const handler = this.commands.get(spec.command);
    if (!handler) throw new Error(`unexpected command ${spec.command}`);
    return Promise.resolve({ exitCode: 0, timedOut: false, output: '', ...handler(spec, this) });
  }
}

class FakeServer implements ServerClient {
  assignments: Assignment[] = [];
  content = new Map<string, Buffer>();
  applied: StatusReport[] = [];
  ackedSeq = 0;
  down = false;
  downloads: { sha256: string; offset: number }[] = [];
  enrollments = 0;

  enroll() {
    if (this.down) throw new ServerCallError('server unreachable: ECONNREFUSED', null, 'x');
    this.enrollments += 1;
    return Promise.resolve({ computerId: 'c-1', credential: 'secret' });
  }
  checkins: CheckinRequest[] = [];

  checkin(_auth: unknown, request: CheckinRequest) {
    this.checkins.push(request);
    if (this.down) throw new ServerCallError('server unreachable: ECONNREFUSED', null, 'x');
    return Promise.resolve({
      computerId: 'c-1',
      assignments: this.assignments,
      nextCheckinSeconds: 300,
      ackedSeq: this.ackedSeq,
    });
  }
  reports(_auth: unknown, request: { reports: StatusReport[] }) {
    if (this.down) throw new ServerCallError('server unreachable: ECONNREFUSED', null, 'x');
    for (const r of request.reports) {
      if (r.seq > this.ackedSeq) {
        this.applied.push(r);
        this.ackedSeq = r.seq;
      }
    }
    return Promise.resolve({ ackedSeq: this.ackedSeq });
  }
  async download(
    _auth: unknown,
    sha256: string,
    sink: { size: number; append(c: Uint8Array): Promise<void> },
  ) {
    if (this.down) throw new ServerCallError('server unreachable: ECONNREFUSED', null, 'x');
    this.downloads.push({ sha256, offset: sink.size });
    const data = this.content.get(sha256);
    if (!data) throw new ServerCallError('not found (HTTP 404)', 404, 'not-found');
    await sink.append(data.subarray(sink.size));
  }
}

const PAYLOAD = Buffer.from('#!/bin/sh\necho installing\n');

function makeAssignment(
  manifest: Partial<UpdateManifestInput> = {},
  extra: Partial<Assignment> = {},
): Assignment {
  const parsed = updateManifest.parse({
    id: 'app-1.2',
    title: 'App 1.2',
    severity: 'important',
    platforms: [{ os: 'linux' }],
    files: ['setup.sh'],
    detect: { type: 'file', path: '/opt/app/1.2' },
    install: { command: 'sh setup.sh' },
    ...manifest,
  });
  return {
    deploymentId: 'd-1',
    updateId: parsed.id,
    action: 'install',
    manifest: parsed,
    files: [{ path: 'setup.sh', sha256: sha(PAYLOAD), size: PAYLOAD.length }],
    // Scheduled with no time: install at once, as these tests expect.
    policy: 'scheduled',
    installAt: null,
    deadline: null,
    noAutoRestartWhileLoggedOn: false,
    emergency: false,
    ...extra,
  };
}

describe('AgentCore', () => {
  let host: FakeHost;
  let server: FakeServer;
  let clock: number;
  const core = () =>
    new AgentCore({
      host,
      client: server,
      enrollmentToken: 'enroll-me',
      now: () => new Date((clock += 1000)),
    });
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
    const agent = new AgentCore({ host, client: server, now: () => new Date() });
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
      [{ exitCode: 1618 }, 'install-retry'],
      [{ exitCode: 0 }, 'detect-mismatch'],
    ];
    for (const [result, reason] of outcomes) {
      host.commands.set('sh setup.sh', () => result);
      server.assignments = [makeAssignment()];
      await core().runCycle();
      expect(server.applied.at(-1)).toMatchObject({ state: 'failed', reason });
    }
  });

  it('waits for a restart after exit 3010, then detects', async () => {
    host.commands.set('sh setup.sh', () => ({ exitCode: 3010 }));
    server.assignments = [makeAssignment()];
    await core().runCycle();
    expect(server.applied.at(-1)).toMatchObject({ state: 'pending-reboot', exitCode: 3010 });

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

describe('AgentCore client policies and the local user', () => {
  let host: FakeHost;
  let server: FakeServer;
  let clock: number;
  let events: CycleEvent[];
  const T0 = Date.parse('2025-06-01T00:00:00Z');
  const at = (ms: number) => new Date(ms).toISOString();
  const core = () =>
    new AgentCore({
      host,
      client: server,
      enrollmentToken: 'enroll-me',
      now: () => new Date((clock += 1000)),
      onEvent: (e) => events.push(e),
    });
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
    const sent = server.checkins.map((c) => c.events);
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

  it('tells the server once how long it was unreachable, keeping events until then', async () => {
    const still = () =>
      new AgentCore({ host, client: server, enrollmentToken: 'e', now: () => new Date(clock) });
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

    const sent = server.checkins.map((c) => c.events);
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
    expect(sent[1]?.map((e: AgentEvent) => e.kind)).toEqual(['agent-stopped']);
    expect(sent[4]).toEqual([]);
  });

  describe('restarts', () => {
    beforeEach(() => {
      host.commands.set('sh setup.sh', () => ({ exitCode: 3010 }));
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
      expect(server.checkins.at(-1)?.events[0]?.detail).toContain('restarting the computer');
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
