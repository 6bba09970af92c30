import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { version } from '../../version.js';
import type { Inventory } from '../../contracts/inventory.js';
import type { CommandResult, CommandSpec, FileInfo, Host, PackageList } from '../core/host.js';
import {
  packageListText,
  packageQueryArgs,
  parseDpkgQuery,
  parseRpmQuery,
  type PackageManager,
} from '../../domain/packages/detect-rules.js';
import { processRunning, runShellCommand } from './command-runner.js';
import { digestFile, FileStore, FsContentStore, isNotFound } from './fs-store.js';
import { FsLocalUser } from './local-user-files.js';
import { FsAgentVersions } from './agent-versions.js';

export interface RealHostOptions {
  stateDir: string;
  site?: string | null | undefined;
  /** The e-mail of the person who uses this computer, told the rollout schedule. */
  ownerEmail?: string | null | undefined;
  /** Override the inventory's identity, to run several agents on one machine. */
  hostname?: string | undefined;
  hardwareId?: string | undefined;
  /** After a timeout: how long the process group has after SIGTERM before SIGKILL. */
  killGraceMs?: number;
  /**
   * How to restart the computer, e.g. `shutdown -r +1`. Without it the agent never
   * restarts the computer; it waits for someone to.
   */
  rebootCommand?: string | undefined;
  /** Counts logged-on users (default: the lines of `who`; 0 on Windows). */
  countLoggedOnUsers?: () => Promise<number>;
  /** Bytes a second a download may take (none: unlimited). */
  rateLimit?: number | undefined;
}

const REBOOT_COMMAND_TIMEOUT_SECONDS = 120;

/** The Host on the real operating system. */
export class RealHost implements Host {
  readonly storage: FileStore;
  readonly content: FsContentStore;
  readonly user: FsLocalUser;
  readonly agentVersions: FsAgentVersions;
  /** Set only with a reboot command: the core restarts the computer only then. */
  readonly restartComputer?: () => Promise<CommandResult>;
  readonly platform = platformName(process.platform);
  private hardwareId: string | undefined;
  private manager: PackageManager | null | undefined;

  constructor(private readonly options: RealHostOptions) {
    this.storage = new FileStore(options.stateDir);
    this.content = new FsContentStore(options.stateDir, options.rateLimit);
    this.user = new FsLocalUser(options.stateDir);
    this.agentVersions = new FsAgentVersions(options.stateDir);
    this.hardwareId = options.hardwareId;
    const rebootCommand = options.rebootCommand;
    if (rebootCommand) {
      this.restartComputer = () =>
        this.runCommand({
          command: rebootCommand,
          cwd: options.stateDir,
          env: {},
          timeoutSeconds: REBOOT_COMMAND_TIMEOUT_SECONDS,
        });
    }
  }

  /** dpkg-query or rpm, whichever the computer has (dpkg first); none on Windows and macOS. */
  async packages(name?: string): Promise<PackageList | null> {
    if (this.manager === undefined) {
      this.manager =
        process.platform !== 'linux'
          ? null
          : (await onPath('dpkg-query'))
            ? 'dpkg'
            : (await onPath('rpm'))
              ? 'rpm'
              : null;
    }
    const manager = this.manager;
    if (!manager) return null;
    const [file, ...args] = packageQueryArgs(manager, name);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        file as string,
        args,
        { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
        (error, out, stderr) => {
          // Asked for one package that is not there: dpkg-query exits 1, rpm -q 1.
          if (error && !(name && typeof error.code === 'number' && error.code === 1)) {
            reject(new Error(`${file} failed: ${stderr.trim() || error.message}`));
          } else resolve(out);
        },
      );
    });
    const packages = manager === 'dpkg' ? parseDpkgQuery(stdout) : parseRpmQuery(stdout);
    const hash = createHash('sha256').update(packageListText(manager, packages)).digest('hex');
    return { manager, packages, hash };
  }

  async loggedOnUsers(): Promise<number> {
    if (this.options.countLoggedOnUsers) return await this.options.countLoggedOnUsers();
    if (process.platform === 'win32') return 0;
    return await new Promise((resolve) => {
      execFile('who', { timeout: 5000 }, (error, stdout) => {
        // No `who` (a minimal container): nobody we can see.
        resolve(error ? 0 : stdout.split('\n').filter((l) => l.trim() !== '').length);
      });
    });
  }

  async inventory(): Promise<Inventory> {
    return {
      hostname: this.options.hostname ?? os.hostname(),
      os: platformName(process.platform),
      osVersion: os.release(),
      arch: process.arch,
      hardwareId: await this.loadHardwareId(),
      freeDiskMB: await this.freeDiskMB(),
      agentVersion: version,
      ipAddresses: ipAddresses(),
      site: this.options.site ?? null,
      bootTime: await this.bootTime(),
      ownerEmail: this.options.ownerEmail ?? null,
    };
  }

  async freeDiskMB(): Promise<number> {
    await fs.mkdir(this.options.stateDir, { recursive: true, mode: 0o700 });
    const stats = await fs.statfs(this.options.stateDir);
    return Math.floor((stats.bavail * stats.bsize) / (1024 * 1024));
  }

  async bootTime(): Promise<string | null> {
    if (process.platform === 'linux') {
      try {
        const stat = await fs.readFile('/proc/stat', 'utf8');
        const match = /^btime (\d+)$/m.exec(stat);
        if (match?.[1]) return new Date(Number(match[1]) * 1000).toISOString();
      } catch {
        // Fall through to the uptime estimate.
      }
    }
    // Rounded to the minute, so that the estimate does not jitter between cycles.
    const minute = 60_000;
    return new Date(Math.round((Date.now() - os.uptime() * 1000) / minute) * minute).toISOString();
  }

  async inspectFile(file: string, options: { cwd: string; hash: boolean }): Promise<FileInfo> {
    const full = path.resolve(options.cwd, file);
    if (!options.hash) {
      try {
        await fs.access(full);
        return { exists: true };
      } catch {
        return { exists: false };
      }
    }
    try {
      const digest = await digestFile(full);
      return digest ? { exists: true, sha256: digest.sha256 } : { exists: false };
    } catch (error) {
      // A directory or an unreadable file: it is there, but its hash cannot match.
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') return { exists: true, sha256: '' };
      throw error;
    }
  }

  runCommand(spec: CommandSpec, started?: (pid: number) => void): Promise<CommandResult> {
    return runShellCommand(spec, { killGraceMs: this.options.killGraceMs, onStarted: started });
  }

  processRunning(pid: number): Promise<boolean> {
    return Promise.resolve(processRunning(pid));
  }

  /** /etc/machine-id, else a random id kept in the state dir. */
  private async loadHardwareId(): Promise<string> {
    if (this.hardwareId) return this.hardwareId;
    try {
      const id = (await fs.readFile('/etc/machine-id', 'utf8')).trim();
      if (id) return (this.hardwareId = id);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const stored = (await this.storage.get('hardware-id'))?.trim();
    if (stored) return (this.hardwareId = stored);
    const id = randomUUID();
    await this.storage.put('hardware-id', id);
    return (this.hardwareId = id);
  }
}

export function platformName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'windows' : platform;
}

function ipAddresses(): string[] {
  const addresses: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const info of list ?? []) {
      if (!info.internal) addresses.push(info.address);
    }
  }
  return addresses.slice(0, 64);
}

/** Whether `command -v` finds the program. */
function onPath(program: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', `command -v ${program}`], { timeout: 5000 }, (error) => resolve(!error));
  });
}
