import type { Assignment } from '../contracts/agent-protocol.js';
import type { Inventory } from '../contracts/inventory.js';
import type { DetectRule, InstallCommand, UpdateManifest } from '../contracts/manifest.js';
import type {
  CommandResult,
  CommandSpec,
  ContentStore,
  DurableStore,
  FileDigest,
  FileInfo,
  Host,
  PartialFile,
} from '../agent/core/host.js';
import type { LocalUserChannel, PendingView, UserRequest } from '../agent/core/local-user.js';
import { emptyMemory } from '../agent/core/memory.js';
import { FIRST_INTERVAL_SECONDS, type RunnerState } from '../agent/runner.js';
import type { ComputerFaults } from './faults.js';

/**
 * What the simulated host says about commands and files: the agent core only runs a
 * manifest's commands and looks at its files, so the simulator learns each update's
 * manifest from the assignments it sees, and answers from the computer's state.
 * Shared by the whole fleet (manifests are the same for everyone).
 */
export class ManifestIndex {
  private readonly roles = new Map<string, Role>();
  private readonly learned = new Map<string, string>();
  private readonly sizes = new Map<string, number>();

  learn(assignment: Assignment): void {
    const { manifest, updateId } = assignment;
    for (const f of assignment.files) this.sizes.set(f.sha256, f.size);
    const key = JSON.stringify(manifest);
    if (this.learned.get(updateId) === key) return;
    this.learned.set(updateId, key);
    this.learnManifest(updateId, manifest);
  }

  private learnManifest(updateId: string, manifest: UpdateManifest): void {
    for (const rule of manifest.requires.prerequisites) {
      this.roles.set(ruleKey(updateId, rule), { kind: 'prereq', updateId, rule });
    }
    if (manifest.uninstall) {
      this.roles.set(commandKey(updateId, manifest.uninstall.command), {
        kind: 'uninstall',
        updateId,
        command: manifest.uninstall,
      });
    }
    this.roles.set(commandKey(updateId, manifest.install.command), {
      kind: 'install',
      updateId,
      command: manifest.install,
    });
    // The detect rule wins when a command plays two parts.
    this.roles.set(ruleKey(updateId, manifest.detect), {
      kind: 'detect',
      updateId,
      rule: manifest.detect,
    });
  }

  commandRole(updateId: string, command: string): Role | undefined {
    return this.roles.get(commandKey(updateId, command));
  }

  fileRole(updateId: string, path: string): Role | undefined {
    return this.roles.get(`${updateId}\u0000file\u0000${path}`);
  }

  size(sha256: string): number | undefined {
    return this.sizes.get(sha256);
  }
}

export type Role =
  | { kind: 'detect' | 'prereq'; updateId: string; rule: DetectRule }
  | { kind: 'install' | 'uninstall'; updateId: string; command: InstallCommand };

function commandKey(updateId: string, command: string): string {
  return `${updateId}\u0000command\u0000${command}`;
}

function ruleKey(updateId: string, rule: DetectRule): string {
  return rule.type === 'file'
    ? `${updateId}\u0000file\u0000${rule.path}`
    : commandKey(updateId, rule.command);
}

const WORK_ROOT = '/sim/work/';
const EMPTY_MEMORY = JSON.stringify(emptyMemory());

/** One virtual computer's state: kept small, since a process holds 100,000 of them. */
export class SimComputer implements RunnerState {
  /** The durable store's three known keys, and any others. */
  credential: string | null = null;
  outbox: string | null = null;
  memory: string | null = null;
  otherKeys: Map<string, string> | null = null;
  installed: Set<string> | null = null;
  /** Installed, but only once the pending restart has happened. */
  afterRestart: Set<string> | null = null;
  /** Virtual epoch ms of the pending restart, or 0. */
  restartAt = 0;
  /** Virtual epoch ms. */
  bootTime: number;
  cached: Map<string, number> | null = null;
  partial: Map<string, { size: number; complete: boolean }> | null = null;
  /** The reimage has happened. */
  reimaged = false;
  /** The simulated person's approvals: given at `at` (virtual epoch ms). */
  approvals: { updateId: string; stage: 'download' | 'install'; at: number }[] | null = null;
  /** agent-stopped: 0 running, 1 the stop was recorded, 2 the start too. */
  stopPhase = 0;
  /** The runner's pace (RunnerState): the server's last interval, the next backoff. */
  intervalSeconds = FIRST_INTERVAL_SECONDS;
  backoffSeconds = 0;
  /** Per-computer PRNG state (mulberry32). */
  rng: number;
  /** The scheduler's next wake for this computer (virtual epoch ms). */
  wakeAt = 0;
  /** A cycle of this computer is running (or waiting on virtual time). */
  busy = false;
  /** A wake came during the running cycle: run another one right after it. */
  wakePending = false;
  /** The push channel this computer holds (--push); aborting it closes the stream. */
  push: AbortController | null = null;
  /** The push stream is connected now. */
  pushUp = false;
  /** Virtual epoch ms when the push stream closes for a fault (the fleet's down heap). */
  downAt = 0;

  constructor(
    readonly index: number,
    readonly hostname: string,
    readonly hardwareId: string,
    readonly site: string | null,
    readonly freeDiskMB: number,
    readonly faults: ComputerFaults | null,
    bootTime: number,
    rng: number,
  ) {
    this.bootTime = bootTime;
    this.rng = rng;
  }

  /** The restart after a 3010 has happened by `now`: the pending installs take effect. */
  applyRestart(now: number): void {
    if (this.restartAt === 0 || now < this.restartAt) return;
    this.bootTime = this.restartAt;
    this.restartAt = 0;
    if (this.afterRestart) {
      this.installed ??= new Set();
      for (const u of this.afterRestart) this.installed.add(u);
      this.afterRestart = null;
    }
  }

  /** A re-image: same hardware, a fresh disk (no identity, no state, no updates). */
  wipe(bootTime: number): void {
    this.credential = null;
    this.outbox = null;
    this.memory = null;
    this.otherKeys = null;
    this.installed = null;
    this.afterRestart = null;
    this.restartAt = 0;
    this.cached = null;
    this.partial = null;
    this.approvals = null;
    this.bootTime = bootTime;
  }

  isInstalled(updateId: string): boolean {
    return this.installed?.has(updateId) ?? false;
  }
}

/** What a simulated host needs from the fleet. */
export interface SimContext {
  index: ManifestIndex;
  now(): number;
  /** Resolves after `ms` of virtual time, without holding a concurrency slot. */
  sleep(ms: number): Promise<void>;
  /** Install duration for this computer, in virtual ms (jittered). */
  installMs(computer: SimComputer): number;
  /** How long the person at this computer takes to approve a download or install (virtual ms). */
  approvalMs(computer: SimComputer): number;
  agentVersion: string;
  /** The server acknowledged a report of this computer in this state. */
  reported?(computer: SimComputer, state: string): void;
}

/** The Host of one simulated computer: everything answered from memory. */
export class SimHost implements Host {
  readonly storage: DurableStore;
  readonly content: ContentStore;
  readonly user: LocalUserChannel;

  constructor(
    private readonly computer: SimComputer,
    private readonly ctx: SimContext,
  ) {
    this.storage = new SimStorage(computer);
    this.content = new SimContent(computer);
    this.user = new SimUser(computer, ctx);
  }

  inventory(): Promise<Inventory> {
    const c = this.computer;
    c.applyRestart(this.ctx.now());
    return Promise.resolve({
      hostname: c.hostname,
      os: 'linux',
      osVersion: '22.04',
      arch: 'x86_64',
      hardwareId: c.hardwareId,
      freeDiskMB: c.faults?.diskSpace?.freeDiskMB ?? c.freeDiskMB,
      agentVersion: this.ctx.agentVersion,
      ipAddresses: [ipOf(c.index)],
      site: c.site,
      bootTime: new Date(c.bootTime).toISOString(),
    });
  }

  freeDiskMB(): Promise<number> {
    const c = this.computer;
    return Promise.resolve(c.faults?.diskSpace?.freeDiskMB ?? c.freeDiskMB);
  }

  bootTime(): Promise<string | null> {
    this.computer.applyRestart(this.ctx.now());
    return Promise.resolve(new Date(this.computer.bootTime).toISOString());
  }

  inspectFile(path: string, options: { cwd: string; hash: boolean }): Promise<FileInfo> {
    const updateId = options.cwd.startsWith(WORK_ROOT) ? options.cwd.slice(WORK_ROOT.length) : '';
    const role = this.ctx.index.fileRole(updateId, path);
    if (!role || (role.kind !== 'detect' && role.kind !== 'prereq')) {
      return Promise.resolve({ exists: false });
    }
    const present = this.rulePresent(role);
    if (!present) return Promise.resolve({ exists: false });
    const sha256 = role.rule.type === 'file' ? role.rule.sha256 : undefined;
    return Promise.resolve(
      options.hash && sha256 !== undefined ? { exists: true, sha256 } : { exists: true },
    );
  }

  async runCommand(spec: CommandSpec): Promise<CommandResult> {
    const updateId = spec.env.RINGMASTER_UPDATE_ID ?? '';
    const role = this.ctx.index.commandRole(updateId, spec.command);
    const c = this.computer;
    if (!role) return result(0, 'simulated: an unknown command succeeds');
    switch (role.kind) {
      case 'detect':
      case 'prereq':
        return result(this.rulePresent(role) ? 0 : 1, '');
      case 'install': {
        await this.ctx.sleep(this.ctx.installMs(c));
        const faults = c.faults;
        if (faults?.installError) {
          const code = faults.installError.exitCode;
          return result(code, `simulated install of ${updateId} failed with exit code ${code}`);
        }
        if (faults?.rebootRequired) {
          const now = this.ctx.now();
          c.afterRestart ??= new Set();
          c.afterRestart.add(updateId);
          if (c.restartAt === 0)
            c.restartAt = now + faults.rebootRequired.restartAfterSeconds * 1000;
          const code = role.command.rebootExitCodes[0] ?? 3010;
          return result(code, `simulated install of ${updateId}: restart required`);
        }
        c.installed ??= new Set();
        c.installed.add(updateId);
        return result(role.command.successExitCodes[0] ?? 0, `simulated install of ${updateId}`);
      }
      case 'uninstall':
        await this.ctx.sleep(this.ctx.installMs(c) / 2);
        c.installed?.delete(updateId);
        c.afterRestart?.delete(updateId);
        return result(role.command.successExitCodes[0] ?? 0, `simulated uninstall of ${updateId}`);
    }
  }

  private rulePresent(role: Extract<Role, { kind: 'detect' | 'prereq' }>): boolean {
    const c = this.computer;
    if (role.kind === 'detect') {
      c.applyRestart(this.ctx.now());
      return c.isInstalled(role.updateId);
    }
    const missing = c.faults?.prerequisiteMissing;
    return !(missing && (missing.updateId === null || missing.updateId === role.updateId));
  }
}

function result(exitCode: number, output: string): CommandResult {
  return { exitCode, timedOut: false, output };
}

function ipOf(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
}

/**
 * The person at the computer: approves each download or install the agent asks about,
 * after a while (`approvalMs`), as people do.
 */
class SimUser implements LocalUserChannel {
  constructor(
    private readonly c: SimComputer,
    private readonly ctx: SimContext,
  ) {}

  requests(): Promise<UserRequest[]> {
    const now = this.ctx.now();
    const due = (this.c.approvals ?? []).filter((a) => a.at <= now);
    return Promise.resolve(
      due.map((a) => ({
        id: `${a.updateId}:${a.stage}`,
        kind: 'approve' as const,
        updateId: a.updateId,
        stage: a.stage,
        requestedAt: new Date(a.at).toISOString(),
        by: 'simulated user',
      })),
    );
  }

  consume(ids: readonly string[]): Promise<void> {
    const gone = new Set(ids);
    const left = (this.c.approvals ?? []).filter((a) => !gone.has(`${a.updateId}:${a.stage}`));
    this.c.approvals = left.length > 0 ? left : null;
    return Promise.resolve();
  }

  publish(view: PendingView): Promise<void> {
    const c = this.c;
    for (const u of view.updates) {
      if (u.approved) continue;
      const stage =
        u.waitingFor === 'download-approval'
          ? 'download'
          : u.waitingFor === 'install-approval'
            ? 'install'
            : null;
      if (stage === null) continue;
      if (c.approvals?.some((a) => a.updateId === u.updateId && a.stage === stage)) continue;
      (c.approvals ??= []).push({
        updateId: u.updateId,
        stage,
        at: this.ctx.now() + this.ctx.approvalMs(c),
      });
    }
    return Promise.resolve();
  }
}

class SimStorage implements DurableStore {
  constructor(private readonly c: SimComputer) {}

  get(key: string): Promise<string | null> {
    const c = this.c;
    switch (key) {
      case 'credential':
        return Promise.resolve(c.credential);
      case 'outbox':
        return Promise.resolve(c.outbox);
      case 'memory':
        return Promise.resolve(c.memory);
      default:
        return Promise.resolve(c.otherKeys?.get(key) ?? null);
    }
  }

  put(key: string, value: string): Promise<void> {
    this.set(key, value);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.set(key, null);
    return Promise.resolve();
  }

  private set(key: string, value: string | null): void {
    const c = this.c;
    switch (key) {
      case 'credential':
        c.credential = value;
        return;
      case 'outbox':
        c.outbox = value;
        return;
      case 'memory':
        // Most computers remember nothing: keep no string for that.
        c.memory = value === EMPTY_MEMORY ? null : value;
        return;
      default:
        if (value === null) c.otherKeys?.delete(key);
        else (c.otherKeys ??= new Map()).set(key, value);
    }
  }
}

/**
 * Content without bytes: a download through the simulator's client marks the partial
 * copy complete with the file's digest, so the core's verification passes.
 */
export class SimPartial implements PartialFile {
  constructor(
    private readonly c: SimComputer,
    private readonly sha256: string,
  ) {}

  get size(): number {
    return this.c.partial?.get(this.sha256)?.size ?? 0;
  }

  append(chunk: Uint8Array): Promise<void> {
    const map = (this.c.partial ??= new Map<string, { size: number; complete: boolean }>());
    const entry = map.get(this.sha256) ?? { size: 0, complete: false };
    entry.size += chunk.byteLength;
    map.set(this.sha256, entry);
    return Promise.resolve();
  }

  /** The simulated transfer is done: the copy is whole and matches. */
  complete(size: number): void {
    (this.c.partial ??= new Map()).set(this.sha256, { size, complete: true });
  }

  reset(): Promise<void> {
    this.c.partial?.delete(this.sha256);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

class SimContent implements ContentStore {
  constructor(private readonly c: SimComputer) {}

  cached(sha256: string): Promise<FileDigest | null> {
    const size = this.c.cached?.get(sha256);
    return Promise.resolve(size === undefined ? null : { sha256, size });
  }

  openPartial(sha256: string): Promise<PartialFile> {
    return Promise.resolve(new SimPartial(this.c, sha256));
  }

  digestPartial(sha256: string): Promise<FileDigest | null> {
    const entry = this.c.partial?.get(sha256);
    if (!entry) return Promise.resolve(null);
    return Promise.resolve({ sha256: entry.complete ? sha256 : 'incomplete', size: entry.size });
  }

  promotePartial(sha256: string): Promise<void> {
    const entry = this.c.partial?.get(sha256);
    if (entry) {
      this.c.partial?.delete(sha256);
      if (this.c.partial?.size === 0) this.c.partial = null;
      (this.c.cached ??= new Map()).set(sha256, entry.size);
    }
    return Promise.resolve();
  }

  discard(sha256: string): Promise<void> {
    this.c.cached?.delete(sha256);
    this.c.partial?.delete(sha256);
    return Promise.resolve();
  }

  prune(keep: ReadonlySet<string>): Promise<void> {
    const c = this.c;
    for (const map of [c.cached, c.partial]) {
      if (!map) continue;
      for (const sha of [...map.keys()]) if (!keep.has(sha)) map.delete(sha);
    }
    if (c.cached?.size === 0) c.cached = null;
    if (c.partial?.size === 0) c.partial = null;
    return Promise.resolve();
  }

  createWorkDir(updateId: string): Promise<string> {
    return Promise.resolve(`${WORK_ROOT}${updateId}`);
  }

  fillWorkDir(): Promise<void> {
    return Promise.resolve();
  }

  removeWorkDir(): Promise<void> {
    return Promise.resolve();
  }
}
