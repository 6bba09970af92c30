/**
 * Errors the services throw. They know nothing of HTTP; one mapper at the edge
 * turns them into a status and `{ error, message, details }`.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export type FieldIssue = { field: string; message: string };

export class ValidationError extends DomainError {
  constructor(message: string, issues: FieldIssue[] = []) {
    super('validation-error', message, { issues });
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('not-found', `${what} "${id}" was not found`, { what, id });
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: unknown, code = 'conflict') {
    super(code, message, details);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'a valid bearer token is required') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('forbidden', message, details);
  }
}

/** Refused for now: the caller may try again after `retryAfterSeconds` (HTTP 429 with Retry-After). */
export class TooManyRequestsError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('too-many-requests', message, { retryAfterSeconds });
  }
}
