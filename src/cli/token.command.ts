import { Option, type Command } from 'commander';
import type { TokenView } from '../contracts/people.js';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { durationOption, formatRevoked } from './enrollment.command.js';
import { formatFields, formatTime, orDash, print, printJson, printTable } from './output.js';

type CreateOptions = { user?: string; expires: number; name?: string };

function formatState(token: TokenView, now: number): string {
  if (token.revokedAt !== null) return `revoked ${formatRevoked(token)}`;
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now) return 'expired';
  return 'valid';
}

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('API tokens of users, with an expiry');

  adminCommand(token, 'create', 'create an API token (shown only once)')
    .option('--user <name>', "whose token (default: your own; another user's needs admin)")
    .option('--name <text>', 'what it is for, e.g. "ci pipeline"')
    .addOption(
      new Option('--expires <duration>', 'how long it is valid (30m, 12h, 7d, 2w; at most 366d)')
        .argParser(durationOption)
        .default(90 * 86_400, '90d'),
    )
    .action(async (opts: CreateOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const created = await client.createToken({
        ...(opts.user !== undefined && { user: opts.user }),
        ...(opts.name !== undefined && { name: opts.name }),
        expiresInSeconds: opts.expires,
      });
      if (json) return printJson(asSent(created));
      print('API token (shown only this once; keep it secret):');
      print();
      print(`    ${created.token ?? '(the server did not return a token)'}`);
      print();
      print(
        formatFields([
          ['ID', created.id],
          ['Name', created.name],
          ['User', orDash(created.user)],
          ['Role', created.role],
          ['Expires', formatTime(created.expiresAt)],
        ]),
      );
    });

  adminCommand(token, 'list', 'list tokens (an admin sees every one; others their own)').action(
    async (_opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const list = await client.listTokens();
      if (json) return printJson(asSent(list));
      const now = Date.now();
      printTable(
        ['ID', 'NAME', 'USER', 'ROLE', 'KIND', 'CREATED', 'EXPIRES', 'STATE'],
        list.map((t) => [
          t.id,
          t.name,
          orDash(t.user),
          t.role,
          t.kind,
          formatTime(t.createdAt),
          formatTime(t.expiresAt),
          formatState(t, now),
        ]),
        'No tokens.',
      );
    },
  );

  adminCommand(token, 'revoke <id>', 'revoke a token: refused from the next call on').action(
    async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const revoked = await client.revokeToken(id);
      if (json) return printJson(asSent(revoked));
      print(`Token ${revoked.id} revoked (${formatRevoked(revoked)}).`);
    },
  );
}
