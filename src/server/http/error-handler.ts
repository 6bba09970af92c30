import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorBody } from '../../contracts/api.js';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../../domain/errors.js';

function statusOf(error: DomainError): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  return 400;
}

/** The one place where errors become HTTP: domain errors by code, 500 for the unknown. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((fastifyError: FastifyError, request, reply) => {
    const error: unknown = fastifyError;
    if (error instanceof DomainError) {
      const body: ErrorBody = {
        error: error.code,
        message: error.message,
        details: error.details,
        requestId: request.id,
      };
      return reply.status(statusOf(error)).send(body);
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
    const body: ErrorBody = {
      error: 'not-found',
      message: `no route for ${request.method} ${request.url}`,
      requestId: request.id,
    };
    return reply.status(404).send(body);
  });
}
