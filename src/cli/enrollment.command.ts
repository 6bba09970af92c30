import { InvalidArgumentError, Option, type Command } from 'commander';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { fetchPages, printPageFooter, withPageOptions, type PageOptions } from './paging.js';
import { enrollmentSorts } from '../contracts/list-sorts.js';
import { formatFields, formatTime, orDash, print, printJson, printTable } from './output.js';

const unitSeconds = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
const maxSeconds = 366 * 86_400;

/** `30m`, `12h`, `7d`, `2w`, `90s` or plain seconds → seconds; null when not a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)\s*([smhdw]?)$/i.exec(text.trim());
  if (!match) return null;
  const unit = (match[2] ?? '').toLowerCase() || 's';
  const seconds = Number(match[1]) * unitSeconds[unit as keyof typeof unitSeconds];
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : null;
}

/** Commander's parser for a duration flag (at most 366 days). */
export function durationOption(text: string): number {
  const seconds = parseDuration(text);
  if (seconds === null) {
    throw new InvalidArgumentError('expected a duration like 30m, 12h, 7d, 2w or seconds.');
  }
  if (seconds > maxSeconds) throw new InvalidArgumentError('at most 366 days.');
  return seconds;
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError('expected a whole number above 0.');
  }
  return n;
}

type CreateOptions = { group?: string; expires: number; uses?: number };

export function registerEnrollmentCommand(program: Command): void {
  const enrollment = program
    .command('enrollment')
    .description('tokens that let new computers enroll');

  adminCommand(enrollment, 'create', 'create an enrollment token (shown only once)')
    .option('--group <name>', 'put enrolled computers in this group')
    .addOption(
      new Option('--expires <duration>', 'how long the token is valid (30m, 12h, 7d, 2w)')
        .argParser(durationOption)
        .default(7 * 86_400, '7d'),
    )
    .option('--uses <n>', 'how many computers may use it (default: unlimited)', positiveInteger)
    .action(async (opts: CreateOptions, cmd: Command) => {
      const { client, json } = await connect(cmd);
      const created = await client.createEnrollment({
        ...(opts.group !== undefined && { group: opts.group }),
        expiresInSeconds: opts.expires,
        ...(opts.uses !== undefined && { uses: opts.uses }),
      });
      if (json) return printJson(asSent(created));
      print('Enrollment token (shown only this once; keep it secret):');
      print();
      print(`    ${created.token ?? '(the server did not return a token)'}`);
      print();
      print(
        formatFields([
          ['ID', created.id],
          ['Group', orDash(created.group)],
          ['Expires', formatTime(created.expiresAt)],
          ['Uses left', created.usesLeft === null ? 'unlimited' : String(created.usesLeft)],
        ]),
      );
    });

  withPageOptions(
    adminCommand(enrollment, 'list', 'list enrollment tokens, newest first'),
    enrollmentSorts,
  ).action(async (opts: PageOptions, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const list = await fetchPages(opts, (page) => client.listEnrollments(page));
    if (json) return printJson(asSent(list));
    printTable(
      ['ID', 'GROUP', 'EXPIRES', 'USES', 'USES LEFT', 'CREATED', 'REVOKED'],
      list.items.map((e) => [
        e.id,
        orDash(e.group),
        formatTime(e.expiresAt),
        String(e.uses),
        e.usesLeft === null ? 'unlimited' : String(e.usesLeft),
        formatTime(e.createdAt),
        formatRevoked(e),
      ]),
      'No enrollment tokens.',
    );
    printPageFooter(list);
  });

  adminCommand(
    enrollment,
    'revoke <id>',
    'revoke an enrollment token: no computer can enroll with it from now on',
  ).action(async (id: string, _opts: unknown, cmd: Command) => {
    const { client, json } = await connect(cmd);
    const revoked = await client.revokeEnrollment(id);
    if (json) return printJson(asSent(revoked));
    print(`Enrollment token ${revoked.id} revoked (${formatRevoked(revoked)}).`);
  });
}

/** `2026-12-02 15:00:00Z by first admin`; `-` when not revoked. */
export function formatRevoked(r: { revokedAt: string | null; revokedBy: string | null }): string {
  if (r.revokedAt === null) return '-';
  return `${formatTime(r.revokedAt)} by ${r.revokedBy ?? '?'}`;
}
