import type { Command } from 'commander';
import { registerAuditCommand } from './audit.command.js';
import { registerChildCommand, registerUpstreamCommand } from './child.command.js';
import { registerExportCommand, registerImportCommand } from './bundle.command.js';
import { registerBaselineCommand } from './baseline.command.js';
import { registerComputerCommand } from './computer.command.js';
import { registerDeploymentCommand } from './deployment.command.js';
import { registerEnrollmentCommand } from './enrollment.command.js';
import { registerGroupCommand } from './group.command.js';
import { registerReportCommand } from './report.command.js';
import { registerReviewCommand } from './review.command.js';
import {
  registerLoginCommand,
  registerLogoutCommand,
  registerWhoamiCommand,
} from './login.command.js';
import { registerTokenCommand } from './token.command.js';
import { registerKeysCommand } from './keys.command.js';
import { registerNotificationCommand } from './notification.command.js';
import { registerWebhookCommand } from './webhook.command.js';
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
    registerBaselineCommand,
    registerReportCommand,
    registerReviewCommand,
    registerAuditCommand,
    registerUserCommand,
    registerTokenCommand,
    registerLoginCommand,
    registerWhoamiCommand,
    registerLogoutCommand,
    registerScanCommand,
    registerKeysCommand,
    registerExportCommand,
    registerImportCommand,
    registerNotificationCommand,
    registerWebhookCommand,
    registerSiteCommand,
    registerDistributionPointCommand,
    registerContentCommand,
    registerChildCommand,
    registerUpstreamCommand,
    ...more,
  ]) {
    register(program);
  }
  return program;
}
