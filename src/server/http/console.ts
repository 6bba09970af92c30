import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NotFoundFallback } from './error-handler.js';

/** Where `npm run build` writes the console: dist/web, beside dist/server. */
export function defaultConsoleDir(): string {
  return fileURLToPath(new URL('../../web/', import.meta.url));
}

/** Paths the console never answers: the APIs and service routes keep their own 404s. */
const NOT_CONSOLE = /^\/(api|agent)(\/|$)|^\/healthz$|^\/openapi\.json$/;

/** The console's pages are client routes of one index.html (an SPA): any other GET gets it. */
function wantsPage(request: FastifyRequest): boolean {
  const pathname = request.url.split('?')[0] ?? '';
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    !NOT_CONSOLE.test(pathname) &&
    !pathname.startsWith('/assets/') &&
    (request.headers.accept ?? '').includes('text/html')
  );
}

const CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'no-cache')
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff');
}

/**
 * Serves the web console at `/` from `dir` (the built files), same origin as the API,
 * and returns the fallback that answers the console's client routes with index.html.
 * Without a built console (`dir` has no index.html) nothing is registered: `/` is a 404.
 */
export function installConsole(app: FastifyInstance, dir: string | null): NotFoundFallback | null {
  if (dir === null || !existsSync(path.join(dir, 'index.html'))) return null;
  void app.register(fastifyStatic, {
    root: dir,
    // One route per built file, so unknown paths reach the fallback below.
    wildcard: false,
    index: ['index.html'],
    setHeaders: (res, file) => {
      const hashed = file.includes(`${path.sep}assets${path.sep}`);
      res.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.header('content-security-policy', CSP);
      res.header('x-content-type-options', 'nosniff');
    },
  });
  return (request, reply) =>
    wantsPage(request) ? pageHeaders(reply).type('text/html').sendFile('index.html') : null;
}
