import type { Command } from 'commander';
import { asSent } from '../client/sent.js';
import { adminCommand, connect } from './connection.js';
import { CliError, print, printJson } from './output.js';

export function registerScanCommand(program: Command): void {
  const scan = adminCommand(
    program,
    'scan [id-or-hostname]',
    'ask a computer (or every computer of --group) to scan now for what is really installed',
  ).option('--group <name>', 'every computer of this group');
  scan.action(async (computer: string | undefined, opts: { group?: string }, cmd: Command) => {
    if ((computer === undefined) === (opts.group === undefined)) {
      throw new CliError('give a computer or --group NAME (one of them)', 2);
    }
    const { client, json } = await connect(cmd);
    const answer = await client.requestScan(
      computer !== undefined ? { computer } : { group: opts.group ?? '' },
    );
    if (json) return printJson(asSent(answer));
    const what = computer !== undefined ? computer : `group ${opts.group ?? ''}`;
    print(
      `Asked ${answer.computers} computer(s) of ${what} to scan: those holding the push ` +
        'channel scan now, the others at their next check-in.',
    );
  });
}
