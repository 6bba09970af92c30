import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild, waitForHealth } from '../../bench/lib/server-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliEntry = path.join(root, 'dist/cli/main.js');

export { freePort };

export type CliResult = { code: number; stdout: string; stderr: string };

/** Runs the built CLI as a user would, and collects what it prints. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * The CLI as an admin runs it against a server: `text` gives what a command printed
 * (throwing with its stderr when it fails), `json` the same with `--json`, parsed.
 * `env` is read at each call, so it may be set in a beforeAll.
 */
export function adminCli(env: () => NodeJS.ProcessEnv) {
  const text = async (...args: string[]): Promise<string> => {
    const result = await runCli(args, env());
    if (result.code !== 0) {
      throw new Error(`ringmaster ${args.join(' ')} failed:\n${result.stderr}`);
    }
    return result.stdout;
  };
  const json = async <T>(...args: string[]): Promise<T> =>
    JSON.parse(await text(...args, '--json')) as T;
  return { text, json };
}

export type ServerProcess = {
  url: string;
  port: number;
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
};

/** Starts `ringmaster server` as its own process on loopback and waits for /healthz. */
export async function startServerProcess(options: {
  dataDir: string;
  adminToken: string;
  databaseUrl?: string;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Listen on this port (a restart where others know the address); default a free one. */
  port?: number;
}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const args = [
    cliEntry,
    'server',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data',
    options.dataDir,
  ];
  if (options.databaseUrl) args.push('--database', options.databaseUrl);
  args.push(...(options.extraArgs ?? []));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, RINGMASTER_ADMIN_TOKEN: options.adminToken, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(child, url, 20_000, () => output);
  return {
    url,
    port,
    child,
    log: () => output,
    stop: () => stopChild(child, 10_000),
  };
}

export type AdminApi = <T>(method: string, url: string, body?: unknown) => Promise<T>;

/** Calls the admin API of `server` with `token`: JSON in and out; throws on a non-2xx answer. */
export function adminApi(server: Pick<ServerProcess, 'url'>, token: string): AdminApi {
  return async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}
