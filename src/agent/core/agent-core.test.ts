import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Assignment, StatusReport } from '../../contracts/agent-protocol.js';
import type { Inventory } from '../../contracts/inventory.js';
import { updateManifest, type UpdateManifestInput } from '../../contracts/manifest.js';
import { AgentCore } from './agent-core.js';
import type {
  CommandResult,
  CommandSpec,
  ContentStore,
  DurableStore,
  FileDigest,
  Host,
  PartialFile,
} from './host.js';
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

class FakeHost implements Host {
  storage = new MemoryStore();
  content = new MemoryContent();
  files = new Map<string, string>();
  commands = new Map<string, CommandHandler>();
  ran: CommandSpec[] = [];
  free = 10_000;
  boot = '2025-01-01T00:00:00.000Z';
  os = 'linux';

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
  checkin() {
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
    expect(host.storage.values.get('memory')).toBe('{"reboots":{}}');
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
