import { CliError } from './output.js';

/** --server, else RINGMASTER_URL as the admin commands read it; RINGMASTER_SERVER still works. */
export function serverUrl(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): string {
  if (flag) return flag;
  if (env.RINGMASTER_URL) return env.RINGMASTER_URL;
  if (env.RINGMASTER_SERVER) {
    warn('RINGMASTER_SERVER is deprecated: set RINGMASTER_URL instead');
    return env.RINGMASTER_SERVER;
  }
  throw new CliError('no server: give --server or set RINGMASTER_URL', 2);
}
