import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteDeclaration } from '../src/contracts/route.js';
import { allRoutes } from '../src/contracts/routes.js';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * Every person's route × every role: a role is refused (403, naming the permission)
 * exactly what it may not do, and not refused what it may. The expectations are written
 * out here, apart from the code that decides.
 */
const deployRoutes = new Set([
  'exportDeployment',
  'createDeployment',
  'dryRunDeployment',
  'haltDeployment',
  'resumeDeployment',
  'revokeDeployment',
  'rollbackDeployment',
  'promoteDeployment',
  'redeployDeployment',
  'setDeploymentSla',
  'checkReviewItem',
  'uncheckReviewItem',
  'enableChild',
  'holdChild',
]);
/** What a child server calls at its parent: no person's role may. */
const childRoutes = new Set([
  'upstreamHello',
  'upstreamChanges',
  'upstreamBundle',
  'upstreamReport',
  'upstreamStatuses',
]);
/** Routes any signed-in caller may use, for their own account. */
const selfRoutes = new Set(['me', 'listTokens', 'createToken', 'revokeToken']);
/** Reads that only an admin may do. */
const adminReads = new Set(['listUsers', 'getUser']);
/** Reads of the audit log: the audit permission. */
const auditReads = new Set(['listAudit', 'exportAudit']);

function expectedPermission(name: string, r: RouteDeclaration): string {
  if (deployRoutes.has(name)) return 'deploy';
  if (childRoutes.has(name)) return 'child';
  if (selfRoutes.has(name)) return 'self';
  if (adminReads.has(name)) return 'admin';
  if (auditReads.has(name)) return 'audit';
  return r.method === 'GET' ? 'read' : 'admin';
}

const mayDo: Record<string, string[]> = {
  admin: ['self', 'read', 'deploy', 'audit', 'admin'],
  operator: ['self', 'read', 'deploy'],
  viewer: ['self', 'read'],
  auditor: ['self', 'read', 'audit'],
};
const roleNames = Object.keys(mayDo);

const personRoutes = Object.entries(allRoutes).filter(([, r]) => r.auth === 'admin');

for (const engine of ENGINES) {
  describe(`roles on every route, on ${engine}`, () => {
    let server: TestServer;
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      server = await startTestServer(engine);
      for (const role of roleNames) {
        const name = `${role}-user`;
        const created = await server.app.inject({
          method: 'POST',
          url: '/api/v1/users',
          headers: server.adminHeaders,
          payload: { name, role },
        });
        expect(created.statusCode).toBe(201);
        const token = await server.app.inject({
          method: 'POST',
          url: '/api/v1/tokens',
          headers: server.adminHeaders,
          payload: { user: name },
        });
        expect(token.statusCode).toBe(201);
        tokens[role] = token.json<{ token: string }>().token;
      }
    });
    afterAll(async () => {
      await server.stop();
    });

    it('covers the routes', () => {
      expect(personRoutes.length).toBeGreaterThan(30);
    });

    for (const [name, r] of personRoutes) {
      for (const role of roleNames) {
        const permission = expectedPermission(name, r);
        const allowed = mayDo[role]?.includes(permission) ?? false;
        it(`${role} ${allowed ? 'may' : 'may not'} ${name} (${permission})`, async () => {
          // Ids nobody has: an allowed call gets as far as a 400 or 404, and changes nothing.
          const url = r.path.replace(/:([A-Za-z0-9_]+)/g, (_m, p: string) =>
            p === 'sha256' ? 'a'.repeat(64) : 'no-such-thing',
          );
          const res = await injectChecked(server.app, {
            method: r.method,
            url,
            headers: { authorization: `Bearer ${tokens[role] ?? ''}` },
            ...(r.method === 'GET' ? {} : { payload: {} }),
          });
          expect(res.statusCode).not.toBe(401);
          if (allowed) {
            expect(res.statusCode, res.body).not.toBe(403);
          } else {
            expect(res.statusCode).toBe(403);
            expect(res.json()).toMatchObject({ error: 'forbidden', details: { permission, role } });
            expect(res.json<{ message: string }>().message).toContain(`"${permission}"`);
          }
        });
      }
    }
  });
}
