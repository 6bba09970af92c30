import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { parseOrThrow } from '../../contracts/parse.js';
import type {
  BodyOutput,
  ParamsOutput,
  QueryOutput,
  ResponseOf,
  RouteDeclaration,
} from '../../contracts/route.js';
import { ValidationError } from '../../domain/errors.js';
import { bearerToken, requireComputer, type Authenticator } from './auth.js';

type Computer = Awaited<ReturnType<Authenticator['computer']>>;

/** What a handler gets: the validated request, and the computer that called, if one did. */
export type RouteInput<R extends RouteDeclaration> = {
  params: ParamsOutput<R>;
  query: QueryOutput<R>;
  body: BodyOutput<R>;
  computer: R['auth'] extends 'computer' ? Computer : undefined;
  request: FastifyRequest;
  reply: FastifyReply;
};

/** A handler answers the declared response; a raw one (a stream) sends it on `reply`. */
export type RouteHandler<R extends RouteDeclaration> = (
  input: RouteInput<R>,
) => ResponseOf<R> | Promise<ResponseOf<R>>;

export type RouteHandlers<T extends Record<string, RouteDeclaration>> = {
  [K in keyof T]: RouteHandler<T[K]>;
};

function parseBody(r: RouteDeclaration, body: unknown): unknown {
  if (r.body === undefined) return undefined;
  if (r.body !== 'octet-stream') return parseOrThrow(r.body, body);
  if (body instanceof Readable) return body;
  throw new ValidationError('the body must be application/octet-stream', [
    { field: '(body)', message: 'expected application/octet-stream' },
  ]);
}

/** Who is calling, checked before anything else is read. */
async function authenticate(
  r: RouteDeclaration,
  auth: Authenticator,
  request: FastifyRequest,
): Promise<Computer | undefined> {
  switch (r.auth) {
    case 'public':
      return undefined;
    case 'admin':
      await auth.admin(bearerToken(request));
      return undefined;
    case 'computer': {
      // A computer may only read and write its own data when the path names one.
      const { id } = (request.params ?? {}) as { id?: unknown };
      return typeof id === 'string'
        ? requireComputer(auth, request, id)
        : auth.computer(bearerToken(request));
    }
  }
}

/**
 * Registers each declared route: authentication first (an admin token before the body
 * is even parsed), then params, query and body through their schemas (a 400 naming the
 * field), then the handler, answered with the declared status.
 */
export function registerRoutes<T extends Record<string, RouteDeclaration>>(
  app: FastifyInstance,
  routes: T,
  handlers: RouteHandlers<T>,
  auth: () => Authenticator,
): void {
  for (const name of Object.keys(routes) as (keyof T & string)[]) {
    const r = routes[name] as RouteDeclaration;
    // Each handler was typed against its own declaration above; here they are all alike.
    const handler = handlers[name] as unknown as (input: unknown) => unknown;
    const computers = new WeakMap<FastifyRequest, Computer | undefined>();
    app.route({
      method: r.method,
      url: r.path,
      config: { route: name },
      onRequest: async (request) => {
        computers.set(request, await authenticate(r, auth(), request));
      },
      handler: async (request, reply) => {
        const input = {
          params: r.params ? parseOrThrow(r.params, request.params) : {},
          query: r.query ? parseOrThrow(r.query, request.query) : {},
          body: parseBody(r, request.body),
          computer: computers.get(request),
          request,
          reply,
        };
        reply.status(r.status ?? 200);
        return handler(input);
      },
    });
  }
}
