import type { InstallCommand } from '../../contracts/manifest.js';
import type { CommandResult, Host } from './host.js';

/**
 * What the generic command installer made of a run, before the detect rule has its
 * say. Installers for real package formats (dpkg, msi, …) will return the same.
 */
export type InstallRun =
  | { kind: 'success'; result: CommandResult }
  | { kind: 'reboot'; result: CommandResult }
  | { kind: 'retry'; result: CommandResult }
  | { kind: 'timeout'; result: CommandResult }
  | { kind: 'error'; result: CommandResult };

/**
 * Runs an update's install or uninstall command and says what came of it. The core
 * takes it from its caller, which picks one from `src/agent/installers`.
 */
export type Installer = (
  host: Host,
  command: InstallCommand,
  workDir: string,
  env: Readonly<Record<string, string>>,
  started?: (pid: number) => void,
) => Promise<InstallRun>;
