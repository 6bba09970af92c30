import { classifyExit } from '../../domain/packages/installers.js';
import type { CommandResult, Host } from '../core/host.js';
import type { InstallRun, ResolvedRun } from '../core/installer.js';

export type { InstallRun } from '../core/installer.js';

/**
 * The installer (an `Installer`) of every kind: runs the line Ringmaster built for the
 * install (or uninstall) in the update's work dir and reads its exit by the kind's table.
 */
export async function runInstallCommand(
  host: Host,
  run: ResolvedRun,
  workDir: string,
  env: Readonly<Record<string, string>>,
  started?: (pid: number) => void,
): Promise<InstallRun> {
  const result = await host.runCommand(
    { command: run.command, cwd: workDir, env, timeoutSeconds: run.timeoutSeconds },
    started,
  );
  return { kind: classifyRun(run, result), result };
}

export function classifyRun(run: ResolvedRun, result: CommandResult): InstallRun['kind'] {
  if (result.timedOut) return 'timeout';
  if (result.exitCode === null) return 'error';
  return classifyExit(run.exitCodes, result.exitCode, result.output);
}
