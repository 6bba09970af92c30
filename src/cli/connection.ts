import { Option, type Command, type CommandOptions } from 'commander';
import type { ApiClient } from '../client/api-client.js';
import { readCaFile } from '../client/tls.js';
import { storedToken } from './credentials.js';
import { CliError } from './output.js';

export const defaultUrl = 'http://127.0.0.1:8080';

type ConnectionOptions = { url: string; token?: string; ca?: string; json?: boolean };

/** A subcommand that talks to the server: `--url`, `--token` and `--json` on every one. */
export function adminCommand(
  parent: Command,
  nameAndArgs: string,
  description: string,
  options?: CommandOptions,
): Command {
  return parent
    .command(nameAndArgs, options)
    .description(description)
    .addOption(new Option('--url <url>', 'server URL').env('RINGMASTER_URL').default(defaultUrl))
    .addOption(
      new Option(
        '--token <token>',
        'API or session token (default: the one `ringmaster login` stored)',
      ).env('RINGMASTER_TOKEN'),
    )
    .addOption(
      new Option('--ca <file>', "trust only this CA (PEM) for the server's certificate").env(
        'RINGMASTER_CA',
      ),
    )
    .option('--json', 'print JSON instead of a table');
}

/**
 * The client and output mode for an admin command's action. The client (with zod and
 * the contracts) is loaded here, not when the command is registered, so `--help` is quick.
 */
export async function connect(command: Command): Promise<{ client: ApiClient; json: boolean }> {
  const opts = command.opts<ConnectionOptions>();
  const token = opts.token?.trim() || (await storedToken());
  if (!token) {
    throw new CliError(
      'a token is required: pass --token, set RINGMASTER_TOKEN, or run `ringmaster login`',
      2,
    );
  }
  return connectWith(command, token);
}

/** The same, with this token (none for the public routes: signing in). */
export async function connectWith(
  command: Command,
  token: string,
): Promise<{ client: ApiClient; json: boolean }> {
  const opts = command.opts<ConnectionOptions>();
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new CliError(`--url: "${opts.url}" is not a URL (e.g. ${defaultUrl})`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--url: "${opts.url}" must start with http:// or https://`, 2);
  }
  const { createApiClient } = await import('../client/api-client.js');
  return {
    client: createApiClient({ url: opts.url, token, ca: pinnedCa(opts.ca, url) }),
    json: opts.json === true,
  };
}

/** `--ca`/RINGMASTER_CA read and checked; only with an https:// URL, where it is used. */
function pinnedCa(file: string | undefined, url: URL): string | undefined {
  if (!file) return undefined;
  if (url.protocol !== 'https:') {
    throw new CliError(`--ca needs an https:// --url; "${url.origin}" would not check it`, 2);
  }
  try {
    return readCaFile('--ca', file);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
}
