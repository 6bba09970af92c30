import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorBody } from '../../contracts/api.js';
import { DomainError } from '../../domain/errors.js';

const statusOf: Record<string, number> = {
  'validation-error': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'missing-content': 409,
  ambiguous: 409,
};

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
      return reply.status(statusOf[error.code] ?? 400).send(body);
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
