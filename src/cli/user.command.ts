import { Option, type Command } from 'commander';
import type { UserView } from '../contracts/people.js';
import { personRoles as roles } from '../domain/access.js';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { readPassword } from './credentials.js';
import { formatFields, formatTime, orDash, print, printJson, printTable } from './output.js';

type UserOptions = {
  displayName?: string;
  email?: string;
  role?: (typeof roles)[number];
  scope?: string;
  allGroups?: boolean;
  password?: boolean;
  passwordStdin?: boolean;
  noPassword?: boolean;
  enable?: boolean;
};

/** `--scope tokyo,paris` → the group names. */
function scopeOf(text: string): string[] {
  return text
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
}

const roleOption = () =>
  new Option('--role <role>', 'what the user may do').choices([...roles] as string[]);

export function formatUser(user: UserView): string {
  return formatFields([
    ['Name', user.name],
    ['Display name', user.displayName],
    ['E-mail', orDash(user.email)],
    ['Role', user.role],
    ['Group scope', user.groupScope === null ? 'every group' : user.groupScope.join(', ')],
    ['Password', user.hasPassword ? 'set' : 'none'],
    [
      'Disabled',
      user.disabledAt === null ? 'no' : `${formatTime(user.disabledAt)} by ${user.disabledBy}`,
    ],
    ['Created', formatTime(user.createdAt)],
  ]);
}

export function registerUserCommand(program: Command): void {
  const user = program.command('user').description('people who sign in, and their roles');

  adminCommand(user, 'create <name>', 'create a user')
    .addOption(roleOption().makeOptionMandatory())
    .option('--display-name <text>', 'the name shown (default: the user name)')
    .option('--email <address>', 'e-mail (also a sign-in name, and how OIDC finds the user)')
    .option(
      '--scope <groups>',
      'deploy only to these groups, comma-separated (default: every group)',
    )
    .option('--password', 'set a password: asked for, or RINGMASTER_PASSWORD')
    .option('--password-stdin', 'set a password read from the first line of standard input')
    .action(async (name: string, opts: UserOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const password =
        opts.password || opts.passwordStdin
          ? await readPassword(opts.passwordStdin === true)
          : undefined;
      const created = await client.createUser({
        name,
        role: opts.role ?? 'viewer',
        ...(opts.displayName !== undefined && { displayName: opts.displayName }),
        ...(opts.email !== undefined && { email: opts.email }),
        ...(opts.scope !== undefined && { groupScope: scopeOf(opts.scope) }),
        ...(password !== undefined && { password }),
      });
      if (json) return printJson(asSent(created));
      print(`User ${created.name} created.`);
      print(formatUser(created));
    });

  adminCommand(user, 'list', 'list users').action(async (_opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const users = await client.listUsers();
    if (json) return printJson(asSent(users));
    printTable(
      ['NAME', 'DISPLAY NAME', 'ROLE', 'SCOPE', 'E-MAIL', 'DISABLED'],
      users.map((u) => [
        u.name,
        u.displayName,
        u.role,
        u.groupScope === null ? '*' : u.groupScope.join(','),
        orDash(u.email),
        u.disabledAt === null ? '-' : formatTime(u.disabledAt),
      ]),
      'No users.',
    );
  });

  adminCommand(user, 'show <name>', 'one user').action(
    async (name: string, _opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const shown = await client.getUser(name);
      if (json) return printJson(asSent(shown));
      print(formatUser(shown));
    },
  );

  adminCommand(user, 'set <name>', 'change a user (effective at once, on every token)')
    .addOption(roleOption())
    .option('--display-name <text>', 'the name shown')
    .option('--email <address>', 'e-mail ("" removes it)')
    .option('--scope <groups>', 'deploy only to these groups, comma-separated')
    .option('--all-groups', 'remove the group scope')
    .option('--password', 'set a new password: asked for, or RINGMASTER_PASSWORD')
    .option('--password-stdin', 'set a new password read from standard input')
    .option('--no-password', 'remove the password (no password sign-in)')
    .option('--enable', 'enable a disabled user')
    .action(async (name: string, opts: UserOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      // commander's --no-password sets password: false.
      const password =
        opts.password === false
          ? null
          : opts.password === true || opts.passwordStdin
            ? await readPassword(opts.passwordStdin === true)
            : undefined;
      const changed = await client.setUser(name, {
        ...(opts.role !== undefined && { role: opts.role }),
        ...(opts.displayName !== undefined && { displayName: opts.displayName }),
        ...(opts.email !== undefined && { email: opts.email === '' ? null : opts.email }),
        ...(opts.scope !== undefined && { groupScope: scopeOf(opts.scope) }),
        ...(opts.allGroups === true && { groupScope: null }),
        ...(password !== undefined && { password }),
        ...(opts.enable === true && { disabled: false }),
      });
      if (json) return printJson(asSent(changed));
      print(`User ${changed.name} changed.`);
      print(formatUser(changed));
    });

  adminCommand(
    user,
    'disable <name>',
    'disable a user: every one of their tokens is refused from now on',
  ).action(async (name: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const disabled = await client.setUser(name, { disabled: true });
    if (json) return printJson(asSent(disabled));
    print(`User ${disabled.name} disabled; their tokens are refused from now on.`);
  });
}
