import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { RouteDeclaration } from '../../contracts/route.js';
import type { AuditCall } from '../services/audit.service.js';
import type { Actor } from './auth.js';

/**
 * What the audit knows of one route beyond the request: `before` loads the state the call
 * is about to change (from the path parameters), `after` summarizes the handler's answer.
 * Neither knows about HTTP, and neither may fail the call: a failure records null.
 */
export type AuditSpec = {
  before?: (params: Record<string, string>) => Promise<unknown>;
  after?: (answer: unknown, call: { params: Record<string, string>; actor: Actor }) => unknown;
};

/** Where entries go, and which routes have a before or after. */
export type AuditSink = {
  specs: Record<string, AuditSpec | undefined>;
  /** Reads recorded as well (reads of the audit log itself). */
  reads: ReadonlySet<string>;
  /** Routes anyone may call that are recorded all the same (signing in, refused or not). */
  publicCalls?: ReadonlySet<string>;
  record(call: AuditCall): Promise<unknown>;
};

/**
 * Every mutating admin call is recorded, refused ones too; of the reads, only those named;
 * of the public routes, only those named (a sign-in has no actor yet: its body names who).
 */
export function isAudited(name: string, r: RouteDeclaration, sink: AuditSink): boolean {
  if (r.auth === 'public') return sink.publicCalls?.has(name) ?? false;
  // A child server's sync (permission `child`) is machine traffic, as an agent's is: every
  // minute from every child, and no person's action.
  if (r.permission === 'child') return false;
  return r.auth === 'admin' && (r.method !== 'GET' || sink.reads.has(name));
}

type Seen = { before: unknown; after: unknown };

function errorOf(payload: unknown): { error: string | null; message: string | null } {
  if (typeof payload !== 'string') return { error: null, message: null };
  try {
    const body = JSON.parse(payload) as { error?: unknown; message?: unknown };
    return {
      error: typeof body.error === 'string' ? body.error : null,
      message: typeof body.message === 'string' ? body.message : null,
    };
  } catch {
    return { error: null, message: null };
  }
}

function bodyOf(request: FastifyRequest): unknown {
  if (request.body instanceof Readable) {
    const length = Number(request.headers['content-length']);
    return { bytes: Number.isSafeInteger(length) ? length : null };
  }
  return request.body ?? null;
}

function paramsOf(request: FastifyRequest): Record<string, string> {
  const params = (request.params ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
}

/**
 * The audit of one route: `beforeHandler` and `answered` run around the handler, and
 * `onSend` writes the entry once the status is known, before the answer leaves, so a
 * caller that got its answer finds the entry. No step throws; a failed write is logged.
 */
export function routeAudit(name: string, r: RouteDeclaration, sink: AuditSink) {
  const spec = sink.specs[name] ?? {};
  const seen = new WeakMap<FastifyRequest, Seen>();
  const safely = async (request: FastifyRequest, what: string, work: () => unknown) => {
    try {
      return (await work()) ?? null;
    } catch (error) {
      request.log.warn({ err: error }, `audit: the ${what} of ${name} could not be read`);
      return null;
    }
  };
  return {
    async beforeHandler(request: FastifyRequest, params: Record<string, string>): Promise<void> {
      const before = spec.before
        ? await safely(request, 'before', () => spec.before?.(params))
        : null;
      seen.set(request, { before, after: null });
    },
    async answered(
      request: FastifyRequest,
      answer: unknown,
      params: Record<string, string>,
      actor: Actor | undefined,
    ): Promise<void> {
      const entry = seen.get(request);
      if (!entry || !spec.after || !actor) return;
      entry.after = await safely(request, 'after', () => spec.after?.(answer, { params, actor }));
    },
    async onSend(
      request: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      actor: Actor | undefined,
    ): Promise<void> {
      const status = reply.statusCode;
      const entry = seen.get(request);
      const refused = status >= 400 ? errorOf(payload) : { error: null, message: null };
      try {
        await sink.record({
          actor: actor?.name ?? null,
          tokenId: actor?.tokenId ?? null,
          role: actor?.role ?? null,
          from: actor?.from ?? request.ip,
          action: name,
          method: r.method,
          path: request.url.split('?')[0] ?? request.url,
          target: paramsOf(request),
          // A read's filters are its query.
          body: r.body !== undefined ? bodyOf(request) : r.method === 'GET' ? request.query : null,
          status,
          ...refused,
          before: entry?.before ?? null,
          after: status < 400 ? (entry?.after ?? null) : null,
        });
      } catch (error) {
        request.log.error({ err: error }, `audit: the entry of ${name} could not be written`);
      }
    },
  };
}
