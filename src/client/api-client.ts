import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { adminRoutes, type AdminRoutes } from '../contracts/admin-routes.js';
import type { RouteDeclaration } from '../contracts/route.js';
import { createCoreClient, type Client, type Transport } from './client-core.js';
import { ConnectionError, describeCause } from './errors.js';
import { tlsFailure } from './tls.js';

export { ApiError, ConnectionError } from './errors.js';
export { asSent } from './sent.js';
export type { Answer, Client, RouteMethods, Transport } from './client-core.js';

export type ClientOptions = {
  url: string;
  token: string;
  /** Trust only this CA (PEM) for an https:// server; default the system's CAs. */
  ca?: string | undefined;
};

/** The admin API's client, the one the CLI and the demo use. */
export type ApiClient = Client<AdminRoutes>;

/** A typed client for a table of route declarations, over undici (Node). */
export function createClient<T extends Record<string, RouteDeclaration>>(
  routes: T,
  options: ClientOptions,
): Client<T> {
  return createCoreClient(routes, {
    url: options.url,
    token: options.token,
    transport: undiciTransport(options.ca),
  });
}

/** The typed admin client. */
export function createApiClient(options: ClientOptions): ApiClient {
  return createClient(adminRoutes, options);
}

/** Node's transport: undici, with an optional pinned CA and TLS failures told in words. */
export function undiciTransport(ca: string | undefined): Transport {
  let dispatcher: Dispatcher | undefined;
  return async ({ method, url, base, headers, body, binary }) => {
    // Loaded on the first call, not with the module: `--help` of a command need not pay for it.
    const { Agent, request } = await import('undici');
    if (ca !== undefined && dispatcher === undefined) {
      dispatcher = new Agent({ connect: { ca } });
    }
    let res;
    try {
      res = await request(url, {
        method,
        headers,
        body: body as string | Readable | undefined,
        dispatcher,
      });
    } catch (error) {
      const tls = tlsFailure(error, ca !== undefined);
      if (tls !== null)
        throw new ConnectionError(`cannot reach the server at ${base} over TLS: ${tls}`);
      throw new ConnectionError(`cannot reach the server at ${base}: ${describeCause(error)}`);
    }
    if (binary && res.statusCode < 400)
      return { status: res.statusCode, text: '', stream: res.body };
    return { status: res.statusCode, text: await res.body.text() };
  };
}
