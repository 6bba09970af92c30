import type { Command } from 'commander';
import { asSent } from '../client/sent.js';
import { adminCommand, connect, connectWith } from './connection.js';
import { forgetToken, readPassword, storeToken, tokenFile } from './credentials.js';
import { formatFields, formatTime, orDash, print, printJson } from './output.js';

type LoginOptions = { user: string; passwordStdin?: boolean; store: boolean };

export function registerLoginCommand(program: Command): void {
  adminCommand(
    program,
    'login',
    'sign in with a user name and password; prints the session token and stores it for the other commands',
  )
    .requiredOption('--user <name>', 'user name or e-mail')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--no-store', 'only print the token; do not store it')
    .action(async (opts: LoginOptions, cmd: Command) => {
      const password = await readPassword(opts.passwordStdin === true);
      const { client, json } = await connectWith(cmd, 'none');
      const session = await client.signIn({ name: opts.user, password });
      const file = opts.store ? await storeToken(session.token) : null;
      if (json) return printJson(asSent(session));
      print(`Signed in as ${session.user.name} (${session.user.role}).`);
      print(
        formatFields([
          ['Token', session.token],
          ['Expires', formatTime(session.expiresAt)],
          ['Stored in', orDash(file)],
        ]),
      );
    });
}

export function registerWhoamiCommand(program: Command): void {
  adminCommand(program, 'whoami', 'who the token is: user, role, permissions, group scope').action(
    async (_opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const me = await client.me();
      if (json) return printJson(asSent(me));
      print(
        formatFields([
          ['Name', me.name],
          ['Display name', me.displayName],
          ['Role', me.role],
          ['Permissions', me.permissions.join(', ')],
          ['Group scope', me.groupScope === null ? 'every group' : me.groupScope.join(', ')],
          ['Token', me.tokenId],
          ['Expires', formatTime(me.tokenExpiresAt)],
        ]),
      );
    },
  );
}

export function registerLogoutCommand(program: Command): void {
  program
    .command('logout')
    .description('forget the token `ringmaster login` stored (revoke it with `token revoke`)')
    .action(async () => {
      const file = tokenFile();
      await forgetToken();
      print(`Forgot the stored token (${file}).`);
    });
}
