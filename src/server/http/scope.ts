import { outsideScope } from '../../domain/access.js';
import { ForbiddenError } from '../../domain/errors.js';
import type { Actor } from './auth.js';

/** Refuses a scoped caller a deployment with a target group outside their scope: 403 naming them. */
export function requireScope(actor: Actor, groups: readonly string[]): void {
  const outside = outsideScope(actor.groupScope, groups);
  if (outside.length === 0) return;
  throw new ForbiddenError(
    `${actor.name} may deploy only to the groups ${(actor.groupScope ?? []).join(', ') || '(none)'}; ` +
      `outside that scope: ${outside.join(', ')}`,
    { permission: 'deploy', groupScope: actor.groupScope, outside },
  );
}

/** The target groups a create or dry-run request names. */
export function requestedGroups(body: {
  group?: string | undefined;
  groups?: string[] | undefined;
}) {
  return [...(body.group === undefined ? [] : [body.group]), ...(body.groups ?? [])];
}
