import { createHash } from 'node:crypto';
import type {
  Assignment,
  CheckinInput,
  CheckinResponse,
  StatusReport,
} from '../contracts/agent-protocol.js';
import type { Inventory } from '../contracts/inventory.js';
import { updateManifest, type UpdateManifestInput } from '../contracts/manifest.js';
import type {
  CommandResult,
  CommandSpec,
  ContentStore,
  DurableStore,
  FileDigest,
  Host,
  PartialFile,
} from './core/host.js';
import type {
  LocalUserChannel,
  PendingView,
  UserRequest,
  UserRequestBody,
} from './core/local-user.js';
import { AgentCore, type AgentCoreOptions } from './core/agent-core.js';
import { ServerCallError, type ServerClient } from './core/server-client.js';
import { runInstallCommand } from './installers/command-installer.js';
import type { TestSigner } from './trust.test-support.js';

/** The installer the agent ships with: the tests run the core with it. */
export const installer = runInstallCommand;

/**
 * An agent core on a fake host and server with the shipped installer and a test
 * enrollment token; `now` is its clock (a test's ticking one, usually).
 */
export function fakeCore(
  host: FakeHost,
  server: FakeServer,
  now: () => Date,
  more: Partial<AgentCoreOptions> = {},
): AgentCore {
  return new AgentCore({
    host,
    installer,
    client: server,
    enrollmentToken: 'enroll-me',
    now,
    ...more,
  });
}

/** The in-memory host and server the agent core's tests (and the runner's) run on. */

export const sha = (data: Buffer | string): string =>
  createHash('sha256').update(data).digest('hex');

export class MemoryStore implements DurableStore {
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

export class MemoryContent implements ContentStore {
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

export function digest(data: Buffer | undefined): FileDigest | null {
  return data ? { sha256: sha(data), size: data.length } : null;
}

export type CommandHandler = (spec: CommandSpec, host: FakeHost) => Partial<CommandResult>;

export class MemoryUser implements LocalUserChannel {
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

export class FakeHost implements Host {
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
  processRunning?: (pid: number) => Promise<boolean>;

  runCommand(spec: CommandSpec, _started?: (pid: number) => void): Promise<CommandResult> {
    this.ran.push(spec);
    const handler = this.commands.get(spec.command);
    if (!handler) throw new Error(`unexpected command ${spec.command}`);
    return Promise.resolve({ exitCode: 0, timedOut: false, output: '', ...handler(spec, this) });
  }
}

export class FakeServer implements ServerClient {
  assignments: Assignment[] = [];
  /** When set, answers are signed by it (and enrollment carries its root). */
  signer: TestSigner | null = null;
  /** Changes an answer on its way, like a tampering proxy. */
  tamper: ((answer: CheckinResponse) => CheckinResponse) | null = null;
  content = new Map<string, Buffer>();
  applied: StatusReport[] = [];
  ackedSeq = 0;
  down = false;
  downloads: { sha256: string; offset: number }[] = [];
  enrollments = 0;

  enroll() {
    if (this.down) throw new ServerCallError('server unreachable: ECONNREFUSED', null, 'x');
    this.enrollments += 1;
    const root = this.signer?.root;
    return Promise.resolve({ computerId: 'c-1', credential: 'secret', ...(root ? { root } : {}) });
  }
  root(version: number) {
    const found = this.signer?.roots[version - 1];
    if (!found) throw new ServerCallError('not found (HTTP 404)', 404, 'not-found');
    return Promise.resolve(found);
  }
  checkins: CheckinInput[] = [];

  checkin(_auth: unknown, request: CheckinInput): Promise<CheckinResponse | 'unchanged'> {
    this.checkins.push(request);
    if (this.down) throw new ServerCallError('server unreachable: ECONNREFUSED', null, 'x');
    const answer: CheckinResponse = {
      computerId: 'c-1',
      assignments: this.assignments,
      nextCheckinSeconds: 300,
      ackedSeq: this.ackedSeq,
      ...(this.signer ? { metadata: this.signer.sign('c-1', this.assignments) } : {}),
    };
    return Promise.resolve(this.tamper ? this.tamper(answer) : answer);
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

export const PAYLOAD = Buffer.from('#!/bin/sh\necho installing\n');

export function makeAssignment(
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
