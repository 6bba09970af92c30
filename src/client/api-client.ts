import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { errorBody } from '../contracts/api.js';
import { adminRoutes, type AdminRoutes } from '../contracts/admin-routes.js';
import { describeIssues, fieldIssues } from '../contracts/parse.js';
import {
  paramNames,
  pathOf,
  type CallArgs,
  type ResponseOf,
  type RouteDeclaration,
} from '../contracts/route.js';
import { ApiError, ConnectionError, describeCause } from './errors.js';
import { keepSent } from './sent.js';
import { tlsFailure } from './tls.js';

export { ApiError, ConnectionError } from './errors.js';
export { asSent } from './sent.js';

export type ClientOptions = {
  url: string;
  token: string;
  /** Trust only this CA (PEM) for an https:// server; default the system's CAs. */
  ca?: string | undefined;
};

type Routes = Record<string, RouteDeclaration>;

/** An answer with its status, for the calls where the status says something (200 vs 201). */
export type Answer<R extends RouteDeclaration> = { status: number; body: ResponseOf<R> };

/** One method per route, named, argued and typed by its declaration. */
export type RouteMethods<T extends Routes> = {
  [K in keyof T]: (...args: CallArgs<T[K]>) => Promise<ResponseOf<T[K]>>;
};

export type Client<T extends Routes> = RouteMethods<T> & {
  /** The same call, with the status the server answered. */
  call<K extends keyof T>(name: K, ...args: CallArgs<T[K]>): Promise<Answer<T[K]>>;
};

/** The admin API's client, the one the CLI and the demo use. */
export type ApiClient = Client<AdminRoutes>;

type Payload = { json: unknown } | { stream: Readable; size: number } | undefined;

/** A typed client for a table of route declarations: every method comes from one. */
export function createClient<T extends Routes>(routes: T, options: ClientOptions): Client<T> {
  const base = options.url.replace(/\/+$/, '');
  const connection = { ca: options.ca, dispatcher: undefined as Dispatcher | undefined };
  const call = async (name: keyof T, ...args: unknown[]) => {
    const r: RouteDeclaration = routes[name] as RouteDeclaration;
    const count = paramNames(r.path).length;
    const path = pathOf(r, args.slice(0, count) as string[]);
    const [body, query] = r.body === undefined ? [undefined, args[count]] : args.slice(count);
    const url = `${base}${path}${queryString(query)}`;
    const payload: Payload =
      r.body === undefined || body === undefined
        ? undefined
        : r.body === 'octet-stream'
          ? (body as { stream: Readable; size: number })
          : { json: body };
    const res = await send(
      options.token,
      r.method,
      url,
      base,
      payload,
      connection,
      r.response === 'csv',
    );
    return { status: res.status, body: check(r, path, res.body) };
  };
  const methods = Object.fromEntries(
    Object.keys(routes).map((name) => [
      name,
      async (...args: unknown[]) => (await call(name, ...args)).body,
    ]),
  );
  // The methods are built from the same table the types are read from.
  return { ...methods, call } as unknown as Client<T>;
}

/** The typed admin client. */
export function createApiClient(options: ClientOptions): ApiClient {
  return createClient(adminRoutes, options);
}

function queryString(query: unknown): string {
  if (query === undefined || query === null) return '';
  const entries = Object.entries(query as Record<string, unknown>).filter(([, v]) => v != null);
  if (entries.length === 0) return '';
  return `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

/** Checks the answer against the declared schema; `asSent` gives back what the server sent. */
function check(r: RouteDeclaration, path: string, body: unknown): unknown {
  if (r.response === undefined || typeof r.response === 'string') return body;
  const result = r.response.safeParse(body);
  if (!result.success) {
    throw new ConnectionError(
      `unexpected answer from the server to ${r.method} ${path}: ${describeIssues(fieldIssues(result.error))}`,
    );
  }
  const data = result.data;
  keepSent(data, body);
  return data;
}

async function send(
  token: string,
  method: RouteDeclaration['method'],
  url: string,
  base: string,
  body: Payload,
  connection: { ca: string | undefined; dispatcher: Dispatcher | undefined },
  textAnswer = false,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    accept: textAnswer ? 'text/csv, application/json' : 'application/json',
  };
  let payload: string | Readable | undefined;
  if (body && 'json' in body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers['content-type'] = 'application/octet-stream';
    headers['content-length'] = String(body.size);
    payload = body.stream;
  }

  // Loaded on the first call, not with the module: `--help` of a command need not pay for it.
  const { Agent, request } = await import('undici');
  if (connection.ca !== undefined && connection.dispatcher === undefined) {
    connection.dispatcher = new Agent({ connect: { ca: connection.ca } });
  }
  let res;
  try {
    res = await request(url, { method, headers, body: payload, dispatcher: connection.dispatcher });
  } catch (error) {
    const tls = tlsFailure(error, connection.ca !== undefined);
    if (tls !== null)
      throw new ConnectionError(`cannot reach the server at ${base} over TLS: ${tls}`);
    throw new ConnectionError(`cannot reach the server at ${base}: ${describeCause(error)}`);
  }

  const text = await res.body.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (res.statusCode >= 400) {
    const err = errorBody.safeParse(parsed);
    throw new ApiError(
      res.statusCode,
      err.success
        ? err.data
        : { error: 'http-error', message: text.trim().slice(0, 200) || `HTTP ${res.statusCode}` },
    );
  }
  if (textAnswer) return { status: res.statusCode, body: text };
  if (parsed === undefined && text !== '') {
    const path = new URL(url).pathname;
    throw new ConnectionError(
      `unexpected answer from the server to ${method} ${path}: not JSON (is ${base} a Ringmaster server?)`,
    );
  }
  return { status: res.statusCode, body: parsed };
}
