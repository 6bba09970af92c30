import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../../domain/errors.js';
import type { ComputerRecord } from '../../store/computer.repository.js';

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
  /** The token's name, shown as "by …". */
  name: string;
  role: string;
  /** The caller's address, as the server saw it. */
  from: string;
};

export type Authenticator = {
  /** The admin behind a token; throws UnauthorizedError unless it is a valid admin token. */
  admin(token: string, from: string): Promise<Actor>;
  /** The computer whose credential this is; throws UnauthorizedError otherwise. */
  computer(token: string): Promise<ComputerRecord>;
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
