import { CliError } from './output.js';

/** --server, else RINGMASTER_URL as the admin commands read it; RINGMASTER_SERVER still works. */
export function serverUrl(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line: string) => process.stderr.write(`${line}\n`),
): string {
  if (flag) return flag;
  if (env.RINGMASTER_URL) return env.RINGMASTER_URL;
  if (env.RINGMASTER_SERVER) {
    warn('RINGMASTER_SERVER is deprecated: set RINGMASTER_URL instead');
    return env.RINGMASTER_SERVER;
  }
  throw new CliError('no server: give --server or set RINGMASTER_URL', 2);
}

/**
 * The agent's servers: every `--server` (each may hold several, comma-separated), else
 * RINGMASTER_URL (comma-separated too, as a config file holds them); in order, each once.
 */
export function serverUrls(
  flags: readonly string[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
  warn?: (line: string) => void,
): string[] {
  const fromFlags = flags !== undefined && flags.length > 0;
  const given = fromFlags ? flags.join(',') : serverUrl(undefined, env, warn);
  const urls = [...new Set(given.split(',').map((url) => url.trim()))].filter((url) => url);
  if (urls.length === 0) throw new CliError('no server: give --server or set RINGMASTER_URL', 2);
  for (const url of urls) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // Said below.
    }
    if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
      const source = fromFlags ? '--server' : 'RINGMASTER_URL';
      throw new CliError(`${source}: not an http:// or https:// URL: ${url}`, 2);
    }
  }
  return urls;
}
