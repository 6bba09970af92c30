import { adminRoutes } from '../../../src/contracts/admin-routes.js';
import { createCoreClient, type Client } from '../../../src/client/client-core.js';
import { fetchTransport } from '../../../src/client/fetch-transport.js';
import { ApiError, ConnectionError } from '../../../src/client/errors.js';

export { ApiError, ConnectionError };

/** The admin API, typed by the same route declarations the server registers. */
export type Api = Client<typeof adminRoutes>;

/** Same origin: the console is served by the server it calls. */
export function makeApi(token: string): Api {
  return createCoreClient(adminRoutes, { url: '', token, transport: fetchTransport() });
}

/** One field the server named in a 400, and what it said. */
export type FieldProblem = { field: string; message: string };

/** The fields a 400 names (`details` of a validation error), if any. */
export function fieldProblems(error: unknown): FieldProblem[] {
  if (!(error instanceof ApiError)) return [];
  // A validation error's details are `{ issues: [{ field, message }] }`.
  const raw = error.body.details;
  const details: unknown =
    typeof raw === 'object' && raw !== null && 'issues' in raw ? raw.issues : raw;
  if (!Array.isArray(details)) return [];
  return details.flatMap((d: unknown) =>
    typeof d === 'object' &&
    d !== null &&
    typeof (d as FieldProblem).field === 'string' &&
    typeof (d as FieldProblem).message === 'string'
      ? [{ field: (d as FieldProblem).field, message: (d as FieldProblem).message }]
      : [],
  );
}

/** An error in words for a person, never a stack. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'The server did not accept this token. Sign in again.';
    if (error.status === 403) return `Not allowed: ${error.body.message}`;
    if (error.status === 404) return `Not found: ${error.body.message}`;
    return error.body.message;
  }
  if (error instanceof ConnectionError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * A file picked in the browser as an upload body. The route types say a Node stream (the
 * CLI's); the fetch transport sends whatever the body is, and fetch sends a Blob as it is.
 */
type UploadBody = Parameters<Api['importUpdateArchive']>[0];

export function fileBody(file: Blob): UploadBody {
  return { stream: file, size: file.size } as unknown as UploadBody;
}
