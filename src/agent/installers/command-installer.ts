import type { InstallCommand } from '../../contracts/manifest.js';
import type { CommandResult, Host } from '../core/host.js';
import type { InstallRun } from '../core/installer.js';

export type { InstallRun } from '../core/installer.js';

/**
 * The generic command installer (an `Installer`): runs an install (or uninstall)
 * command in the update's work dir and classifies its exit.
 */
export async function runInstallCommand(
  host: Host,
  install: InstallCommand,
  workDir: string,
  env: Readonly<Record<string, string>>,
  started?: (pid: number) => void,
): Promise<InstallRun> {
  const result = await host.runCommand(
    { command: install.command, cwd: workDir, env, timeoutSeconds: install.timeoutSeconds },
    started,
  );
  return { kind: classifyExit(install, result), result };
}

export function classifyExit(install: InstallCommand, result: CommandResult): InstallRun['kind'] {
  if (result.timedOut) return 'timeout';
  const code = result.exitCode;
  if (code === null) return 'error';
  if (install.successExitCodes.includes(code)) return 'success';
  if (install.rebootExitCodes.includes(code)) return 'reboot';
  if (install.retryExitCodes.includes(code)) return 'retry';
  return 'error';
}
