import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CliError } from './output.js';

/**
 * Where `ringmaster login` keeps the session token: RINGMASTER_TOKEN_FILE, else
 * `$XDG_CONFIG_HOME/ringmaster/token` (default `~/.config/ringmaster/token`), mode 0600.
 */
export function tokenFile(): string {
  const fromEnv = process.env.RINGMASTER_TOKEN_FILE;
  if (fromEnv) return fromEnv;
  const config = process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return path.join(config, 'ringmaster', 'token');
}

export async function storeToken(token: string): Promise<string> {
  const file = tokenFile();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

/** The stored token, or undefined when there is none. */
export async function storedToken(): Promise<string | undefined> {
  try {
    const text = (await readFile(tokenFile(), 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

export async function forgetToken(): Promise<void> {
  await rm(tokenFile(), { force: true });
}

/**
 * A password: RINGMASTER_PASSWORD when set, the first line of standard input with
 * `fromStdin`, else asked for on the terminal without echo.
 */
export async function readPassword(fromStdin: boolean, prompt = 'Password: '): Promise<string> {
  const fromEnv = process.env.RINGMASTER_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (fromStdin || !process.stdin.isTTY) {
    if (!fromStdin) {
      throw new CliError(
        'no password: set RINGMASTER_PASSWORD, pass --password-stdin, or run on a terminal',
        2,
      );
    }
    return firstLine();
  }
  return askHidden(prompt);
}

async function firstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new CliError('--password-stdin: standard input was empty', 2);
}

function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const echo = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(prompt);
    echo._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
