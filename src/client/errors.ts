import type { ErrorBody } from '../contracts/api.js';

/** The server answered 4xx/5xx; `body` is its `{ error, message, details? }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(`${body.message} (${status} ${body.error})`);
    this.name = 'ApiError';
  }
}

/** The server could not be reached, or answered something that is not our API. */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

/** A local update folder that cannot be imported: the message names each bad field or file. */
export class UpdateFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpdateFolderError';
  }
}

export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  // undici's connect errors carry the useful part in `code` (ECONNREFUSED, ENOTFOUND, …).
  if (typeof code === 'string' && !error.message.includes(code)) {
    return `${error.message} (${code})${cause}`;
  }
  return `${error.message}${cause}`;
}
