import type { FastifyReply, FastifyRequest } from 'fastify';
import { may, type Permission, type Role } from '../../domain/access.js';
import { ForbiddenError, UnauthorizedError } from '../../domain/errors.js';
import type { ComputerRecord } from '../../store/computer.repository.js';
import type { PointRecord } from '../../store/distribution.repository.js';

export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) throw new UnauthorizedError();
  return match[1];
}

/** Who made an admin call: recorded on every row and event that says who did what. */
export type Actor = {
  /** The API token's id. */
  tokenId: string;
  /** The user's name (the token's for a token without a user), shown as "by …". */
  name: string;
  /** The user's role now (a token without a user: its own). */
  role: Role;
  /** The caller's address, as the server saw it. */
  from: string;
  /** The user's id; null for a token without a user (the first admin). */
  userId: string | null;
  /** The groups the caller may deploy to; null: every group. */
  groupScope: string[] | null;
};

/** Refuses a caller whose role lacks `permission`: 403 naming it. */
export function requirePermission(actor: Actor, permission: Permission, what: string): void {
  if (may(actor.role, permission)) return;
  throw new ForbiddenError(
    `the ${actor.role} role lacks the "${permission}" permission needed to ${what}`,
    { permission, role: actor.role },
  );
}

export type Authenticator = {
  /** The admin behind a token; throws UnauthorizedError unless it is a valid admin token. */
  admin(token: string, from: string): Promise<Actor>;
  /** The computer whose credential this is; throws UnauthorizedError otherwise. */
  computer(token: string): Promise<ComputerRecord>;
  /** The distribution point whose credential this is; throws UnauthorizedError otherwise. */
  point(token: string): Promise<PointRecord>;
};

export function adminGuard(auth: Authenticator) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    await auth.admin(bearerToken(request), request.ip);
  };
}

/** A computer may only read and write its own data: the path names it. */
export async function requireComputer(
  auth: Authenticator,
  request: FastifyRequest,
  pathComputerId: string,
): Promise<ComputerRecord> {
  const computer = await auth.computer(bearerToken(request));
  if (computer.id !== pathComputerId) {
    throw new ForbiddenError(`this credential belongs to another computer, not ${pathComputerId}`);
  }
  return computer;
}
