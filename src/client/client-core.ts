import { errorBody } from '../contracts/api.js';
import { describeIssues, fieldIssues } from '../contracts/parse.js';
import {
  isTextContent,
  paramNames,
  pathOf,
  type CallArgs,
  type ClientResponseOf,
  type RouteDeclaration,
} from '../contracts/route.js';
import { ApiError, ConnectionError } from './errors.js';
import { keepSent } from './sent.js';

/**
 * The typed client without a network: every method comes from a route declaration, and
 * a transport carries the request. Node uses undici (api-client.ts), the web console the
 * browser's fetch (fetch-transport.ts); neither this file nor its imports touch node:*.
 */

/** One request, ready to send. */
export type TransportRequest = {
  method: RouteDeclaration['method'];
  url: string;
  /** The server's base URL, for messages. */
  base: string;
  headers: Record<string, string>;
  /** JSON text, a raw stream (uploads, Node only), or nothing. */
  body: unknown;
  /** The answer is raw bytes (a download): give back a stream, not text, when it succeeds. */
  binary?: boolean;
};

/**
 * The answer's status and text; a transport throws ConnectionError when there is none.
 * A binary request's successful answer comes as `stream` instead (and `text` is empty).
 */
export type TransportAnswer = { status: number; text: string; stream?: AsyncIterable<Uint8Array> };

export type Transport = (request: TransportRequest) => Promise<TransportAnswer>;

export type CoreOptions = { url: string; token: string; transport: Transport };

type Routes = Record<string, RouteDeclaration>;

/** An answer with its status, for the calls where the status says something (200 vs 201). */
export type Answer<R extends RouteDeclaration> = { status: number; body: ClientResponseOf<R> };

/** One method per route, named, argued and typed by its declaration. */
export type RouteMethods<T extends Routes> = {
  [K in keyof T]: (...args: CallArgs<T[K]>) => Promise<ClientResponseOf<T[K]>>;
};

export type Client<T extends Routes> = RouteMethods<T> & {
  /** The same call, with the status the server answered. */
  call<K extends keyof T>(name: K, ...args: CallArgs<T[K]>): Promise<Answer<T[K]>>;
};

/** A typed client for a table of route declarations over a transport. */
export function createCoreClient<T extends Routes>(routes: T, options: CoreOptions): Client<T> {
  const base = options.url.replace(/\/+$/, '');
  const call = async (name: keyof T, ...args: unknown[]) => {
    const r: RouteDeclaration = routes[name] as RouteDeclaration;
    const count = paramNames(r.path).length;
    const path = pathOf(r, args.slice(0, count) as string[]);
    const [body, query] = r.body === undefined ? [undefined, args[count]] : args.slice(count);
    const url = `${base}${path}${queryString(query)}`;
    // A CSV, text or document answer is given back as it came (an error is still JSON);
    // a download (octet-stream) as a stream of bytes.
    const text = isTextContent(r.response);
    const binary = r.response === 'octet-stream';
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: text
        ? 'text/csv, text/plain, text/markdown, text/html, application/json'
        : binary
          ? 'application/octet-stream, application/json'
          : 'application/json',
    };
    let payload: unknown = undefined;
    if (r.body !== undefined && body !== undefined) {
      if (r.body === 'octet-stream') {
        const raw = body as { stream: unknown; size: number };
        headers['content-type'] = 'application/octet-stream';
        headers['content-length'] = String(raw.size);
        payload = raw.stream;
      } else {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(body);
      }
    }
    const answer = await options.transport({
      method: r.method,
      url,
      base,
      headers,
      body: payload,
      ...(binary ? { binary } : {}),
    });
    if (text && answer.status < 400) return { status: answer.status, body: answer.text };
    if (binary && answer.status < 400 && answer.stream) {
      return { status: answer.status, body: answer.stream };
    }
    const parsed = readAnswer(answer, r.method, path, base);
    return { status: answer.status, body: check(r, path, parsed) };
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

export function queryString(query: unknown): string {
  if (query === undefined || query === null) return '';
  const entries = Object.entries(query as Record<string, unknown>).filter(([, v]) => v != null);
  if (entries.length === 0) return '';
  return `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

/** The answer's JSON; an error status becomes ApiError with the server's `{ error, message }`. */
function readAnswer(answer: TransportAnswer, method: string, path: string, base: string): unknown {
  const { status, text } = answer;
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (status >= 400) {
    const err = errorBody.safeParse(parsed);
    throw new ApiError(
      status,
      err.success
        ? err.data
        : { error: 'http-error', message: text.trim().slice(0, 200) || `HTTP ${status}` },
    );
  }
  if (parsed === undefined && text !== '') {
    throw new ConnectionError(
      `unexpected answer from the server to ${method} ${path}: not JSON (is ${base} a Ringmaster server?)`,
    );
  }
  return parsed;
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
