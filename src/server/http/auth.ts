import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../../domain/errors.js';
import type { ComputerRecord } from '../../store/computer.repository.js';

export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) throw new UnauthorizedError();
  return match[1];
}

export type Authenticator = {
  /** Throws UnauthorizedError unless the request carries a valid admin token. */
  admin(token: string): Promise<void>;
  /** The computer whose credential this is; throws UnauthorizedError otherwise. */
  computer(token: string): Promise<ComputerRecord>;
};

export function adminGuard(auth: Authenticator) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    await auth.admin(bearerToken(request));
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
