import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../../contracts/api.js';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
} from '../../domain/errors.js';

function statusOf(error: DomainError): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof TooManyRequestsError) return 429;
  return 400;
}

/**
 * A value the database refused as data (PostgreSQL's SQLSTATE class 22: out of range,
 * invalid text, a NUL byte), duck-typed so HTTP needs no driver. The input checks in
 * register.ts should stop each one first; one that slips through is the caller's value
 * all the same, and a 500 would make an agent resend its report for ever.
 */
function isDataException(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) && typeof severity === 'string';
}

/** Answers an unknown path instead of the 404 (the console's pages), or returns null. */
export type NotFoundFallback = (request: FastifyRequest, reply: FastifyReply) => unknown;

/** The one place where errors become HTTP: domain errors by code, 500 for the unknown. */
export function installErrorHandler(
  app: FastifyInstance,
  fallback?: NotFoundFallback | null,
): void {
  app.setErrorHandler((fastifyError: FastifyError, request, reply) => {
    const error: unknown = fastifyError;
    if (error instanceof DomainError) {
      const body: ErrorBody = {
        error: error.code,
        message: error.message,
        details: error.details,
        requestId: request.id,
      };
      if (error instanceof TooManyRequestsError) {
        void reply.header('retry-after', String(error.retryAfterSeconds));
      }
      return reply.status(statusOf(error)).send(body);
    }
    if (isDataException(error)) {
      // Logged as an error: the input check that should have named the field is missing.
      request.log.error({ err: error }, 'the database refused a value of the request');
      const body: ErrorBody = {
        error: 'unstorable',
        message: `a value of the request cannot be stored: ${fastifyError.message}`,
        requestId: request.id,
      };
      return reply.status(400).send(body);
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors: unparsable JSON, wrong content type, too large.
      const body: ErrorBody = {
        error: status === 413 ? 'too-large' : 'bad-request',
        message: fastifyError.message,
        requestId: request.id,
      };
      return reply.status(status).send(body);
    }
    request.log.error({ err: error }, 'unhandled error');
    const body: ErrorBody = {
      error: 'internal',
      message: 'internal server error; the server log has the details',
      requestId: request.id,
    };
    return reply.status(500).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const page = fallback?.(request, reply);
    if (page !== undefined && page !== null) return page;
    const body: ErrorBody = {
      error: 'not-found',
      message: `no route for ${request.method} ${request.url}`,
      requestId: request.id,
    };
    return reply.status(404).send(body);
  });
}
