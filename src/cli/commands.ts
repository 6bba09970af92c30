import type { Command } from 'commander';
import type { Register } from './root.js';

/**
 * Every top-level command, in help order, with its one-line summary and how to load it.
 * A command's module (and what it imports: the API client, the server, the simulator)
 * is loaded only when that command runs or its help is asked for, so `--version` and
 * `deployment list --help` start at once. A test checks each summary against the
 * description its module gives.
 */
export const commands: readonly { name: string; summary: string; load: () => Promise<Register> }[] =
  [
    {
      name: 'update',
      summary: 'the catalog of approved updates',
      load: async () => (await import('./update.command.js')).registerUpdateCommand,
    },
    {
      name: 'enrollment',
      summary: 'tokens that let new computers enroll',
      load: async () => (await import('./enrollment.command.js')).registerEnrollmentCommand,
    },
    {
      name: 'computer',
      summary: 'the enrolled computers',
      load: async () => (await import('./computer.command.js')).registerComputerCommand,
    },
    {
      name: 'group',
      summary: 'groups of computers',
      load: async () => (await import('./group.command.js')).registerGroupCommand,
    },
    {
      name: 'deployment',
      summary: 'deployments of an update to groups, in phases',
      load: async () => (await import('./deployment.command.js')).registerDeploymentCommand,
    },
    {
      name: 'baseline',
      summary: 'named sets of updates every computer of some groups must have',
      load: async () => (await import('./baseline.command.js')).registerBaselineCommand,
    },
    {
      name: 'report',
      summary:
        "a deployment's failures and progress over time; stale computers; compliance and discrepancies from the scan",
      load: async () => (await import('./report.command.js')).registerReportCommand,
    },
    {
      name: 'review',
      summary:
        "a deployment's post-implementation review: plan beside what happened, SLA, failures, cost, follow-up checklist",
      load: async () => (await import('./review.command.js')).registerReviewCommand,
    },
    {
      name: 'audit',
      summary: 'the audit log: who did what, from where, with what outcome',
      load: async () => (await import('./audit.command.js')).registerAuditCommand,
    },
    {
      name: 'user',
      summary: 'people who sign in, and their roles',
      load: async () => (await import('./user.command.js')).registerUserCommand,
    },
    {
      name: 'token',
      summary: 'API tokens of users, with an expiry',
      load: async () => (await import('./token.command.js')).registerTokenCommand,
    },
    {
      name: 'login',
      summary:
        'sign in with a user name and password; prints the session token and stores it for the other commands',
      load: async () => (await import('./login.command.js')).registerLoginCommand,
    },
    {
      name: 'whoami',
      summary: 'who the token is: user, role, permissions, group scope',
      load: async () => (await import('./login.command.js')).registerWhoamiCommand,
    },
    {
      name: 'logout',
      summary: 'forget the token `ringmaster login` stored (revoke it with `token revoke`)',
      load: async () => (await import('./login.command.js')).registerLogoutCommand,
    },
    {
      name: 'scan',
      summary:
        'ask a computer (or every computer of --group) to scan now for what is really installed',
      load: async () => (await import('./scan.command.js')).registerScanCommand,
    },
    {
      name: 'keys',
      summary: 'the keys that sign what agents are told to install',
      load: async () => (await import('./keys.command.js')).registerKeysCommand,
    },
    {
      name: 'export',
      summary:
        'write a deployment (its updates, their files and its plan) to a signed bundle for another server',
      load: async () => (await import('./bundle.command.js')).registerExportCommand,
    },
    {
      name: 'import',
      summary:
        'check a bundle from `ringmaster export` and recreate its updates and deployment here',
      load: async () => (await import('./bundle.command.js')).registerImportCommand,
    },
    {
      name: 'notification',
      summary: 'e-mails telling people the rollout schedule: what was sent or failed, templates',
      load: async () => (await import('./notification.command.js')).registerNotificationCommand,
    },
    {
      name: 'webhook',
      summary: 'deployment events POSTed as signed JSON to chat tools and ticketing',
      load: async () => (await import('./webhook.command.js')).registerWebhookCommand,
    },
    {
      name: 'site',
      summary:
        'sites: where computers are (their --site, or a subnet rule) and distribution points serve',
      load: async () => (await import('./distribution.command.js')).registerSiteCommand,
    },
    {
      name: 'distribution-point',
      summary: 'places near a site where its computers download update files',
      load: async () =>
        (await import('./distribution.command.js')).registerDistributionPointCommand,
    },
    {
      name: 'content',
      summary: "whether deployments' files are staged on the distribution points of their sites",
      load: async () => (await import('./distribution.command.js')).registerContentCommand,
    },
    {
      name: 'child',
      summary: 'child servers of this one: which deployments reach each, and their statuses',
      load: async () => (await import('./child.command.js')).registerChildCommand,
    },
    {
      name: 'upstream',
      summary: "this server's parent server: the sync's freshness and errors",
      load: async () => (await import('./child.command.js')).registerUpstreamCommand,
    },
    {
      name: 'server',
      summary: 'run the Ringmaster server (admin API, agent API, content store)',
      load: async () => (await import('./server.command.js')).registerServerCommand,
    },
    {
      name: 'agent',
      summary: 'run the agent on this computer: enroll, check in, install what is assigned',
      load: async () => (await import('./agent.command.js')).registerAgentCommand,
    },
    {
      name: 'sim',
      summary:
        'simulate a fleet: N virtual computers, each the real agent logic on a simulated host, ' +
        'over real HTTP to a server, with injected faults',
      load: async () => (await import('./sim.command.js')).registerSimCommand,
    },
    {
      name: 'demo',
      summary:
        'run a live demo: a server, a sample catalog, site groups and a simulated fleet ' +
        'with a realistic fault mix and a phased deployment running (Ctrl-C ends it)',
      load: async () => (await import('./demo.command.js')).registerDemoCommand,
    },
  ];

/**
 * Adds the commands to `program` for a run with these arguments (after `node ringmaster`):
 * the one named (`ringmaster deployment …`, `ringmaster help deployment`) is loaded in
 * full; the others are registered by name and summary only, enough for `ringmaster --help`
 * and for suggestions after a typo.
 */
export async function addCommands(program: Command, args: readonly string[]): Promise<void> {
  const words = args.filter((a) => !a.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  for (const command of commands) {
    if (command.name === named) {
      (await command.load())(program);
    } else {
      program.command(command.name).summary(command.summary).allowUnknownOption();
    }
  }
}
