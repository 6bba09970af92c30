/**
 * Helpers shared by the CLI tests: a node:http test server on 127.0.0.1 that
 * records requests and answers canned JSON, and running the CLI program while
 * capturing what it prints. Test-only: excluded from the build.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { createProgram, runCli } from './program.js';

type TextHandler = (req: IncomingMessage, res: ServerResponse, text: string) => void;

/** A request listener that reads the whole body as UTF-8 text before handing it on. */
export function withText(handle: TextHandler): RequestListener {
  return (req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => handle(req, res, text));
  };
}

/** A server whose requests come with their whole body as text (see `withText`). */
export function textServer(handle: TextHandler): Server {
  return createServer(withText(handle));
}

/** Answers with `value` as JSON. */
export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** Listens on a free loopback port and gives the server's base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function close(server: Server): Promise<void> {
  return new Promise((ok) => server.close(() => ok()));
}

export type Route = { status: number; body: unknown };
export type Seen = { method: string; url: string; body: unknown };

export type FakeApi = {
  /** Canned answers by `METHOD path`; anything else is a 404 `no route …`. */
  readonly routes: Record<string, Route>;
  /** The requests received, with their JSON bodies. */
  readonly seen: Seen[];
  readonly server: Server;
  readonly url: string;
};

/**
 * Before each test, starts a fake admin API (routes and seen emptied) and points
 * RINGMASTER_URL and RINGMASTER_TOKEN at it; closes it after.
 */
export function useFakeApi(): FakeApi {
  const routes: Record<string, Route> = {};
  const seen: Seen[] = [];
  let server: Server | undefined;
  let url = '';
  beforeEach(async () => {
    for (const key of Object.keys(routes)) delete routes[key];
    seen.length = 0;
    server = textServer((req, res, text) => {
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const route = routes[`${req.method} ${req.url}`] ?? {
        status: 404,
        body: { error: 'not-found', message: `no route ${req.method} ${req.url}` },
      };
      sendJson(res, route.body, route.status);
    });
    url = await listen(server);
    vi.stubEnv('RINGMASTER_URL', url);
    vi.stubEnv('RINGMASTER_TOKEN', 'env-token');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    if (server) await close(server);
  });
  return {
    routes,
    seen,
    get server() {
      if (!server) throw new Error('the fake API runs only inside a test');
      return server;
    },
    get url() {
      return url;
    },
  };
}

export type Output = { out: string; err: string };

/** Before each test, captures stdout and stderr into `out` and `err` (emptied); restores all mocks after. */
export function captureOutput(): Output {
  const output: Output = { out: '', err: '' };
  beforeEach(() => {
    output.out = '';
    output.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output.out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      output.err += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return output;
}

/** Before each test, makes a fresh temporary directory `dir` named from `prefix`; removes it after. */
export function useTempDir(prefix: string): { readonly dir: string } {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
  };
}

/** Runs `ringmaster …args` in process, as version 9.9.9, and gives its exit code. */
export function runProgram(...args: string[]): Promise<number> {
  return runCli(createProgram('9.9.9'), ['node', 'ringmaster', ...args]);
}
