import type { Inventory } from '../../contracts/inventory.js';
import type { UpdateFile } from '../../contracts/manifest.js';
import type { InstalledPackage, PackageManager } from '../../domain/packages/detect-rules.js';
import type { AgentTrial } from './agent-trial.js';
import type { LocalUserChannel } from './local-user.js';

/**
 * Everything the agent's core needs from the computer it runs on. The real OS
 * implements it in `host/real-host.ts`; the simulator implements it in memory. The
 * core never touches files, processes or the network except through this.
 */
export interface Host {
  /** What the agent tells the server at every check-in. */
  inventory(): Promise<Inventory>;
  /** Free disk space, in MB, where the agent keeps its files. */
  freeDiskMB(): Promise<number>;
  /** When the computer last booted (ISO 8601); a change tells a restart happened. */
  bootTime(): Promise<string | null>;
  /**
   * Whether a file exists and, when `hash` is set, its SHA-256 (lowercase hex).
   * A relative `path` is taken from `cwd`.
   */
  inspectFile(path: string, options: { cwd: string; hash: boolean }): Promise<FileInfo>;
  /**
   * Runs a command through the platform shell, killing its whole process group on
   * timeout; `started` learns the process id once it runs.
   */
  runCommand(spec: CommandSpec, started?: (pid: number) => void): Promise<CommandResult>;
  /**
   * Whether a process started by `runCommand` (maybe by an earlier agent process) still
   * runs. Absent: taken as gone.
   */
  processRunning?(pid: number): Promise<boolean>;
  /**
   * The installed packages of the system's package database (dpkg or rpm), only those
   * named `name` when it is given; null when the computer has neither. Absent: no
   * package database (package rules are then an error, never a guess).
   */
  packages?(name?: string): Promise<PackageList | null>;
  /** The os as the inventory names it (`windows`, `linux`, …); absent: taken as `linux`. */
  readonly platform?: string;
  /** Small durable values: the credential, the outbox, the core's memory. */
  readonly storage: DurableStore;
  /** Downloaded content, addressed by SHA-256, and the work dirs commands run in. */
  readonly content: ContentStore;
  /**
   * How many users are logged on, for "no automatic restart while a user is logged on".
   * Absent: taken as 0.
   */
  loggedOnUsers?(): Promise<number>;
  /**
   * Restarts the computer (the agent's `--reboot-command`). Absent: the agent never
   * restarts the computer; it waits for someone to.
   */
  restartComputer?(): Promise<CommandResult>;
  /**
   * The person at the computer: what waits for them goes out, their approvals come in.
   * Absent: nobody approves, so held-back installs wait for their deadline.
   */
  readonly user?: LocalUserChannel;
  /**
   * The agent's own versions, for the `agent` installer kind (agent.md, Self-update).
   * Absent: this agent cannot replace itself.
   */
  readonly agentVersions?: AgentVersions;
}

/** The agent's versions kept side by side, and the launcher's pointers to them. */
export interface AgentVersions {
  /** Why this agent cannot replace itself (nothing would start the new version), or null. */
  unable(): string | null;
  /** Keeps a verified bundle as `version` and checks that it loads: null, or why not. */
  stage(version: string, bundle: string): Promise<string | null>;
  loadTrial(): Promise<AgentTrial | null>;
  /** How many times the launcher started the version on trial. */
  starts(): Promise<number>;
  /** Records the trial, keeps what ran as the previous version, points at the new one. */
  beginTrial(trial: AgentTrial): Promise<void>;
  /** The new version checked in: the trial ends; the previous version stays kept. */
  confirm(): Promise<void>;
  /** The trial failed: points back at the previous version; the trial ends. */
  restore(): Promise<void>;
  /**
   * A rollback: points at the previous version and says which ('' for the packaged one);
   * null when none is kept.
   */
  rollBack(): Promise<string | null>;
}

export interface PackageList {
  manager: PackageManager;
  packages: InstalledPackage[];
  /** SHA-256 (hex) of `packageListText` of the packages returned. */
  hash: string;
}

export interface FileInfo {
  exists: boolean;
  /** Present when asked for and the file exists. */
  sha256?: string;
}

export interface CommandSpec {
  command: string;
  cwd: string;
  /** Added to the agent's own environment. */
  env: Readonly<Record<string, string>>;
  timeoutSeconds: number;
}

export interface CommandResult {
  /** Null when the process ended by a signal (or was killed on timeout). */
  exitCode: number | null;
  timedOut: boolean;
  /** The tail of the combined stdout/stderr (at most the last 4 KiB). */
  output: string;
}

/** The most output a command result keeps: its last 4 KiB. */
export const OUTPUT_TAIL_BYTES = 4096;

/**
 * Durable key-value storage. `put` is atomic (a reader sees the old or the new value,
 * never a mix) and private to the agent (the credential lives here).
 */
export interface DurableStore {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface FileDigest {
  sha256: string;
  size: number;
}

/** An interrupted download kept for resumption: `<sha256>.part` on the real host. */
export interface PartialFile {
  /** Bytes already there: the offset to resume from. */
  readonly size: number;
  append(chunk: Uint8Array): Promise<void>;
  /** Throws away what is there (the server ignored the range). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface ContentStore {
  /** Digest of the complete cached copy, or null when there is none. */
  cached(sha256: string): Promise<FileDigest | null>;
  /** Opens (creating if needed) the partial download of `sha256` for appending. */
  openPartial(sha256: string): Promise<PartialFile>;
  /** Digest of the partial download, or null when there is none. */
  digestPartial(sha256: string): Promise<FileDigest | null>;
  /** Makes the (verified) partial download the cached copy. */
  promotePartial(sha256: string): Promise<void>;
  /** Deletes the cached copy and the partial download of `sha256`. */
  discard(sha256: string): Promise<void>;
  /** Deletes every cached or partial file whose hash is not in `keep`. */
  prune(keep: ReadonlySet<string>): Promise<void>;
  /** Creates an empty work dir for an update and returns its path. */
  createWorkDir(updateId: string): Promise<string>;
  /** Places cached files into a work dir at their relative paths. */
  fillWorkDir(workDir: string, files: readonly UpdateFile[]): Promise<void>;
  removeWorkDir(updateId: string): Promise<void>;
}
