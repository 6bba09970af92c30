import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { errorBody } from '../../src/contracts/api.js';
import { describeIssues, fieldIssues } from '../../src/contracts/parse.js';
import type { RouteDeclaration } from '../../src/contracts/route.js';
import { allRoutes } from '../../src/contracts/routes.js';

function matches(r: RouteDeclaration, method: string, path: string): boolean {
  if (r.method !== method) return false;
  const pattern = r.path.replace(/[.]/g, '\\.').replace(/:[A-Za-z0-9_]+/g, '[^/]+');
  return new RegExp(`^${pattern}$`).test(path);
}

/** The declaration that answers this request: a static path wins over a parameter. */
export function declarationOf(method: string, url: string): [string, RouteDeclaration] | undefined {
  const path = url.split('?')[0] ?? url;
  const found = Object.entries(allRoutes).filter(([, r]) => matches(r, method, path));
  return found.find(([, r]) => !r.path.includes(':')) ?? found[0];
}

/**
 * Throws unless the answer has its declared shape: the route's response schema on
 * success, the error body otherwise; a request no route declares must get a 404.
 */
export function checkDeclaredResponse(
  method: string,
  url: string,
  res: LightMyRequestResponse,
): void {
  // A success is the answer of the route the resolved path names (`/a/../b` is `/b`).
  const resolved = new URL(url, 'http://localhost').pathname;
  const declared =
    (res.statusCode < 400 ? declarationOf(method, resolved) : undefined) ??
    declarationOf(method, url);
  const what = `${method} ${url} → ${res.statusCode}`;
  if (!declared && res.statusCode !== 404) throw new Error(`${what}: no route declares it`);
  const schema =
    res.statusCode >= 400 || !declared
      ? errorBody
      : typeof declared[1].response === 'object'
        ? declared[1].response
        : undefined;
  if (!schema || res.body === '') return;
  const result = schema.safeParse(res.json());
  if (!result.success) {
    const name = schema === errorBody ? 'error' : (declared?.[0] ?? 'error');
    throw new Error(
      `${what} breaks the ${name} response schema: ${describeIssues(fieldIssues(result.error))}`,
    );
  }
}

/** `app.inject`, with every answer checked against its route's declared response. */
export async function injectChecked(
  app: FastifyInstance,
  options: InjectOptions & { method: string; url: string },
): Promise<LightMyRequestResponse> {
  const res = await app.inject(options);
  checkDeclaredResponse(options.method, options.url, res);
  return res;
}
