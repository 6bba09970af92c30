import type { Command } from 'commander';
import { registerAuditCommand } from './audit.command.js';
import { registerComputerCommand } from './computer.command.js';
import { registerDeploymentCommand } from './deployment.command.js';
import { registerEnrollmentCommand } from './enrollment.command.js';
import { registerGroupCommand } from './group.command.js';
import { registerReportCommand } from './report.command.js';
import {
  registerLoginCommand,
  registerLogoutCommand,
  registerWhoamiCommand,
} from './login.command.js';
import { registerTokenCommand } from './token.command.js';
import { registerKeysCommand } from './keys.command.js';
import {
  registerContentCommand,
  registerDistributionPointCommand,
  registerSiteCommand,
} from './distribution.command.js';
import { rootProgram, type Register } from './root.js';
import { registerScanCommand } from './scan.command.js';
import { registerUpdateCommand } from './update.command.js';
import { registerUserCommand } from './user.command.js';

export { runCli, type Register } from './root.js';

/**
 * The `ringmaster` program with every admin command loaded, plus any others (server,
 * agent): for running commands in process (tests). The installed CLI loads only the
 * command it runs (commands.ts).
 */
export function createProgram(version: string, more: readonly Register[] = []): Command {
  const program = rootProgram(version);
  for (const register of [
    registerUpdateCommand,
    registerEnrollmentCommand,
    registerComputerCommand,
    registerGroupCommand,
    registerDeploymentCommand,
    registerReportCommand,
    registerAuditCommand,
    registerUserCommand,
    registerTokenCommand,
    registerLoginCommand,
    registerWhoamiCommand,
    registerLogoutCommand,
    registerScanCommand,
    registerKeysCommand,
    registerSiteCommand,
    registerDistributionPointCommand,
    registerContentCommand,
    ...more,
  ]) {
    register(program);
  }
  return program;
}
