import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { peopleRoutes } from '../../contracts/people-routes.js';
import type { NotFoundFallback } from './error-handler.js';

/** Where `npm run build` writes the console: dist/web, beside dist/server. */
export function defaultConsoleDir(): string {
  return fileURLToPath(new URL('../../web/', import.meta.url));
}

/** Paths the console never answers: the APIs and service routes keep their own 404s. */
const NOT_CONSOLE = /^\/(api|agent)(\/|$)|^\/healthz$|^\/openapi\.json$/;

const pathOf = (request: FastifyRequest): string => request.url.split('?')[0] ?? '';

const asksForHtml = (request: FastifyRequest): boolean =>
  (request.method === 'GET' || request.method === 'HEAD') &&
  (request.headers.accept ?? '').includes('text/html');

/** The console's pages are client routes of one index.html (an SPA): any other GET gets it. */
function wantsPage(request: FastifyRequest): boolean {
  const pathname = pathOf(request);
  return asksForHtml(request) && !NOT_CONSOLE.test(pathname) && !pathname.startsWith('/assets/');
}

/**
 * The OIDC provider sends the browser back to the callback. A browser asking for HTML gets
 * the console there, which calls the same URL for JSON (the session token) and signs in:
 * the token never goes into a URL, and API clients still get JSON.
 */
const isOidcReturn = (request: FastifyRequest): boolean =>
  asksForHtml(request) && pathOf(request) === peopleRoutes.oidcCallback.path;

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
  app.addHook('onRequest', async (request, reply) => {
    if (isOidcReturn(request)) return pageHeaders(reply).type('text/html').sendFile('index.html');
  });
  return (request, reply) =>
    wantsPage(request) ? pageHeaders(reply).type('text/html').sendFile('index.html') : null;
}
