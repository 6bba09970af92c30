/**
 * Who may do what: a role grants permissions, a route needs one. Pure: the HTTP layer
 * asks, with the caller's role and the route's permission.
 */

/** The roles a person (a user) may have. */
export const personRoles = ['admin', 'operator', 'viewer', 'auditor'] as const;
/** Every role a token may act with: a person's, or `child`, a child server's token. */
export const roles = [...personRoles, 'child'] as const;
export type Role = (typeof roles)[number];

/**
 * - `self`: anything a signed-in caller does to their own account (who am I, my tokens);
 * - `read`: every read of the fleet, the catalog and the deployments;
 * - `deploy`: create and dry-run deployments and act on them (halt, resume, promote,
 *   revoke, rollback, redeploy);
 * - `audit`: read the audit log;
 * - `admin`: everything else (catalog, enrollment, computers, groups, users, others' tokens);
 * - `child`: what a child server does at its parent: pull the deployments enabled for it
 *   and their bundles, push its statuses up. Its token names the child.
 */
export const permissions = ['self', 'read', 'deploy', 'audit', 'admin', 'child'] as const;
export type Permission = (typeof permissions)[number];

const grants: Record<Role, readonly Permission[]> = {
  // Everything a person may do; `child` is a child server's alone.
  admin: ['self', 'read', 'deploy', 'audit', 'admin'],
  operator: ['self', 'read', 'deploy'],
  viewer: ['self', 'read'],
  auditor: ['self', 'read', 'audit'],
  // A child server reads nothing else of its parent: only what is enabled for it.
  child: ['self', 'child'],
};

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/** The permissions a role grants, in the order of `permissions`; none for an unknown role. */
export function permissionsOf(role: string): Permission[] {
  return isRole(role) ? [...grants[role]] : [];
}

export function may(role: string, permission: Permission): boolean {
  return permissionsOf(role).includes(permission);
}

/** A route that does not say: reading is `read`, anything else is `admin`. */
export function defaultPermission(method: string): Permission {
  return method === 'GET' ? 'read' : 'admin';
}

/**
 * The target groups outside a caller's group scope (none when the caller has no scope):
 * a scoped caller may act only on deployments whose every target group is in scope.
 */
export function outsideScope(scope: readonly string[] | null, groups: readonly string[]): string[] {
  if (scope === null) return [];
  const allowed = new Set(scope);
  return [...new Set(groups)].filter((g) => !allowed.has(g));
}
