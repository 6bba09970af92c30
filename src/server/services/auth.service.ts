import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isRole } from '../../domain/access.js';
import type { Clock } from '../../domain/clock.js';
import { UnauthorizedError } from '../../domain/errors.js';
import type { ComputerRecord, ComputerRepository } from '../../store/computer.repository.js';
import type { TokenRecord, TokenRepository } from '../../store/token.repository.js';
import type { DistributionRepository, PointRecord } from '../../store/distribution.repository.js';
import type { UserRepository } from '../../store/user.repository.js';
import type { Actor, Authenticator } from '../http/auth.js';
import { generateSecret, hashSecret, newId } from './secrets.js';

export type BootstrapResult = { token: string; generated: boolean; file: string | null } | null;

const iso = (ms: number) => new Date(ms).toISOString();

/** Why a token is refused now, or null when it is good. */
export function tokenRefusal(token: TokenRecord, now: number): string | null {
  if (token.revokedAt !== null) {
    return `token ${token.id} was revoked at ${iso(token.revokedAt)} by ${token.revokedBy ?? 'an admin'}`;
  }
  if (token.expiresAt !== null && now >= token.expiresAt) {
    return `token ${token.id} expired at ${iso(token.expiresAt)}`;
  }
  return null;
}

/** API tokens (a user's, or the first admin's) and computer credentials; only hashes are stored. */
export class AuthService implements Authenticator {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly users: UserRepository,
    private readonly computers: ComputerRepository,
    private readonly clock: Clock,
    private readonly points: DistributionRepository | null = null,
  ) {}

  async point(token: string): Promise<PointRecord> {
    const row = await this.points?.findByTokenHash(hashSecret(token));
    if (!row) throw new UnauthorizedError('the distribution point credential is not valid');
    return row;
  }

  /**
   * At first start, creates the first admin token: from RINGMASTER_ADMIN_TOKEN when
   * given, else generated and written to `<data>/admin-token` (mode 0600). It is the
   * built-in admin: a token without a user, with the admin role and no expiry.
   */
  async bootstrapAdmin(dataDir: string, fromEnv: string | undefined): Promise<BootstrapResult> {
    if ((await this.tokens.count()) > 0) return null;
    const token = fromEnv && fromEnv.length > 0 ? fromEnv : generateSecret('rm_admin');
    await this.tokens.insert({
      id: newId('tok'),
      name: 'first admin',
      tokenHash: hashSecret(token),
      role: 'admin',
      createdAt: this.clock.now(),
    });
    if (fromEnv) return { token, generated: false, file: null };
    await mkdir(dataDir, { recursive: true });
    const file = path.join(dataDir, 'admin-token');
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    return { token, generated: true, file };
  }

  /** The person behind a token, with their role now: refused when expired, revoked or disabled. */
  async admin(token: string, from: string): Promise<Actor> {
    const row = await this.tokens.findByHash(hashSecret(token));
    if (!row) throw new UnauthorizedError('the token is not valid');
    const refusal = tokenRefusal(row, this.clock.now());
    if (refusal) throw new UnauthorizedError(refusal);
    if (row.userId === null) {
      if (!isRole(row.role)) throw new UnauthorizedError(`token ${row.id} has no known role`);
      return {
        tokenId: row.id,
        name: row.name,
        role: row.role,
        from,
        userId: null,
        groupScope: null,
      };
    }
    const user = await this.users.find(row.userId);
    if (!user) throw new UnauthorizedError(`the user of token ${row.id} no longer exists`);
    if (user.disabledAt !== null) {
      throw new UnauthorizedError(
        `user ${user.name} was disabled at ${iso(user.disabledAt)} by ${user.disabledBy ?? 'an admin'}`,
      );
    }
    if (!isRole(user.role)) throw new UnauthorizedError(`user ${user.name} has no known role`);
    return {
      tokenId: row.id,
      name: user.name,
      role: user.role,
      from,
      userId: user.id,
      groupScope: user.groupScope,
    };
  }

  async computer(token: string): Promise<ComputerRecord> {
    const row = await this.computers.findByCredentialHash(hashSecret(token));
    if (!row) throw new UnauthorizedError('the computer credential is not valid');
    if (row.revokedAt !== null) {
      throw new UnauthorizedError(
        `the credential of computer ${row.id} was revoked at ` +
          `${new Date(row.revokedAt).toISOString()} by ${row.revokedBy ?? 'an admin'}`,
      );
    }
    return row;
  }
}
