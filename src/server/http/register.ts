import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { describeIssues, fieldIssues } from '../../contracts/parse.js';
import {
  permissionOf,
  type BodyOutput,
  type ParamsOutput,
  type QueryOutput,
  type ResponseOf,
  type RouteDeclaration,
} from '../../contracts/route.js';
import { loadClassOf } from '../../contracts/route.js';
import { unstorableIssues } from '../../contracts/text.js';
import { ValidationError, type FieldIssue } from '../../domain/errors.js';
import { isAudited, routeAudit, type AuditSink } from './audit-hook.js';
import {
  bearerToken,
  requireComputer,
  requirePermission,
  type Actor,
  type Authenticator,
} from './auth.js';

type Computer = Awaited<ReturnType<Authenticator['computer']>>;
type Point = Awaited<ReturnType<Authenticator['point']>>;
type Caller = { computer?: Computer; actor?: Actor; point?: Point };

/** What a handler gets: the validated request, and who called: a computer or an admin. */
export type RouteInput<R extends RouteDeclaration> = {
  params: ParamsOutput<R>;
  query: QueryOutput<R>;
  body: BodyOutput<R>;
  computer: R['auth'] extends 'computer' ? Computer : undefined;
  actor: R['auth'] extends 'admin' ? Actor : undefined;
  point: R['auth'] extends 'point' ? Point : undefined;
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

/**
 * One part of a request through its schema, then through what both engines can store
 * (no NUL byte, no integer past 2^53 - 1): every route gets the same check, so no handler
 * can pass the database a value it would refuse with a 500. Issues are added to `issues`.
 */
function parsePart(schema: z.ZodType, input: unknown, issues: FieldIssue[]): unknown {
  const result = schema.safeParse(input);
  if (!result.success) {
    issues.push(...fieldIssues(result.error));
    return undefined;
  }
  issues.push(...unstorableIssues(result.data));
  return result.data;
}

function parseBody(r: RouteDeclaration, body: unknown, issues: FieldIssue[]): unknown {
  if (r.body === undefined) return undefined;
  if (r.body !== 'octet-stream') return parsePart(r.body, body, issues);
  if (body instanceof Readable) return body;
  issues.push({ field: '(body)', message: 'the body must be application/octet-stream' });
  return undefined;
}

/** Params, query and body, each checked; one 400 names every bad field of all three. */
function parseRequest(r: RouteDeclaration, request: FastifyRequest) {
  const issues: FieldIssue[] = [];
  const parsed = {
    params: r.params ? parsePart(r.params, request.params, issues) : {},
    query: r.query ? parsePart(r.query, request.query, issues) : {},
    body: parseBody(r, request.body, issues),
  };
  if (issues.length > 0) throw new ValidationError(describeIssues(issues), issues);
  return parsed;
}

/** Who is calling, checked before anything else is read. */
async function authenticate(
  r: RouteDeclaration,
  auth: Authenticator,
  request: FastifyRequest,
): Promise<Caller> {
  switch (r.auth) {
    case 'public':
      return {};
    case 'admin':
      return { actor: await auth.admin(bearerToken(request), request.ip) };
    case 'point':
      // The credential names the point: it reads and writes only its own data.
      return { point: await auth.point(bearerToken(request)) };
    case 'computer': {
      // A computer may only read and write its own data when the path names one.
      const { id } = (request.params ?? {}) as { id?: unknown };
      return {
        computer:
          typeof id === 'string'
            ? await requireComputer(auth, request, id)
            : await auth.computer(bearerToken(request)),
      };
    }
  }
}

/**
 * Registers each declared route: authentication first (an admin token before the body
 * is even parsed), then params, query and body through their schemas (a 400 naming the
 * field), then the handler, answered with the declared status. With an audit sink, each
 * audited route's calls (see isAudited) leave one audit entry, whatever the answer.
 */
export function registerRoutes<T extends Record<string, RouteDeclaration>>(
  app: FastifyInstance,
  routes: T,
  handlers: RouteHandlers<T>,
  auth: () => Authenticator,
  audit?: AuditSink,
): void {
  for (const name of Object.keys(routes) as (keyof T & string)[]) {
    const r = routes[name] as RouteDeclaration;
    // Each handler was typed against its own declaration above; here they are all alike.
    const handler = handlers[name] as unknown as (input: unknown) => unknown;
    const callers = new WeakMap<FastifyRequest, Caller>();
    const audited = audit && isAudited(name, r, audit) ? routeAudit(name, r, audit) : null;
    app.route({
      method: r.method,
      url: r.path,
      config: { route: name, loadClass: loadClassOf(r) },
      onRequest: async (request) => {
        const caller = await authenticate(r, auth(), request);
        // Who first (so the audit names whoever is refused), then whether their role may:
        // a refusal names the permission it lacks.
        callers.set(request, caller);
        if (caller.actor) {
          requirePermission(caller.actor, permissionOf(r) ?? 'admin', `${r.method} ${r.path}`);
        }
      },
      ...(audited
        ? {
            onSend: async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
              await audited.onSend(request, reply, payload, callers.get(request)?.actor);
              return payload;
            },
          }
        : {}),
      handler: async (request, reply) => {
        const parsed = parseRequest(r, request);
        const actor = callers.get(request)?.actor;
        const params = parsed.params as Record<string, string>;
        await audited?.beforeHandler(request, params);
        const input = {
          ...parsed,
          computer: callers.get(request)?.computer,
          point: callers.get(request)?.point,
          actor,
          request,
          reply,
        };
        reply.status(r.status ?? 200);
        const answer = await handler(input);
        await audited?.answered(request, answer, params, actor);
        return answer;
      },
    });
  }
}
