import type { InstallSpec, UninstallSpec } from '../../contracts/manifest.js';
import {
  commandLine,
  exitCodeTable,
  withOverrides,
  type ExitCodeTable,
  type InstallAction,
  type InstallerKind,
} from '../../domain/packages/installers.js';
import type { CommandResult, Host } from './host.js';

/**
 * What an installer made of a run, before the detect rule has its say: the exit as the
 * kind's exit-code table reads it.
 */
export type InstallRun =
  | { kind: 'success'; result: CommandResult }
  | { kind: 'already-installed'; result: CommandResult }
  | { kind: 'reboot'; result: CommandResult }
  | { kind: 'retry'; result: CommandResult }
  | { kind: 'timeout'; result: CommandResult }
  | { kind: 'error'; result: CommandResult };

/** An install or uninstall made ready for this computer: the line to run and its exit codes. */
export interface ResolvedRun {
  kind: InstallerKind;
  command: string;
  timeoutSeconds: number;
  exitCodes: ExitCodeTable;
}

/**
 * Builds the command line and exit-code table of a manifest's install or uninstall for
 * the computer's os; a string says why it cannot run here.
 */
export function resolveRun(
  spec: InstallSpec | UninstallSpec,
  os: string,
  action: InstallAction,
): ResolvedRun | string {
  // The agent replacing itself runs no command (agent-install.ts).
  if (spec.kind === 'agent') return 'an agent update runs no command';
  try {
    return {
      kind: spec.kind,
      command: commandLine(spec, os, action),
      timeoutSeconds: spec.timeoutSeconds,
      exitCodes: withOverrides(exitCodeTable(spec.kind, os, action), spec),
    };
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Runs an update's install or uninstall and says what came of it. The core takes it
 * from its caller, which picks one from `src/agent/installers`.
 */
export type Installer = (
  host: Host,
  run: ResolvedRun,
  workDir: string,
  env: Readonly<Record<string, string>>,
  started?: (pid: number) => void,
) => Promise<InstallRun>;
