import type { Inventory } from '../contracts/inventory.js';
import type {
  CommandResult,
  CommandSpec,
  ContentStore,
  DurableStore,
  FileInfo,
  Host,
} from '../agent/core/host.js';
import type { LocalUserChannel } from '../agent/core/local-user.js';
import type { Role } from './manifest-index.js';
import type { SimComputer, SimContext } from './sim-computer.js';
import { SimContent, SimStorage, SimUser, WORK_ROOT } from './sim-stores.js';

export { ManifestIndex, type Role } from './manifest-index.js';
export { SimComputer, type SimContext } from './sim-computer.js';
export { SimPartial } from './sim-stores.js';

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
        c.installRuns += 1;
        this.ctx.timeline?.installStart(c.index, this.ctx.now());
        await this.ctx.sleep(this.ctx.installMs(c));
        this.ctx.timeline?.installEnd(c.index, this.ctx.now());
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
          const code = role.command.exitCodes.reboot[0] ?? 3010;
          return result(code, `simulated install of ${updateId}: restart required`);
        }
        c.installed ??= new Set();
        c.installed.add(updateId);
        return result(role.command.exitCodes.success[0] ?? 0, `simulated install of ${updateId}`);
      }
      case 'uninstall':
        await this.ctx.sleep(this.ctx.installMs(c) / 2);
        c.installed?.delete(updateId);
        c.afterRestart?.delete(updateId);
        return result(role.command.exitCodes.success[0] ?? 0, `simulated uninstall of ${updateId}`);
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
