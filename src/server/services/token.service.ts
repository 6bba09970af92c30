import {
  defaultTokenSeconds,
  type CreateTokenRequest,
  type MeView,
  type TokenView,
} from '../../contracts/people.js';
import { permissionsOf } from '../../domain/access.js';
import type { Clock } from '../../domain/clock.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import type { TokenKind, TokenRecord, TokenRepository } from '../../store/token.repository.js';
import type { UserRecord, UserRepository } from '../../store/user.repository.js';
import { requirePermission, type Actor } from '../http/auth.js';
import { generateSecret, hashSecret, newId } from './secrets.js';

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

type Issue = {
  name: string;
  /** null: a token without a user, acting with `role`. */
  user: UserRecord | null;
  role?: string;
  kind: TokenKind;
  expiresInSeconds: number;
};

/** API tokens with an expiry, per user; and "who am I". */
export class TokenService {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly users: UserRepository,
    private readonly clock: Clock,
  ) {}

  /** Creates a token; its secret is in this answer only. */
  async issue(issue: Issue): Promise<TokenView> {
    const now = this.clock.now();
    const token = generateSecret(issue.kind === 'session' ? 'rm_session' : 'rm_token');
    const record: TokenRecord = {
      id: newId('tok'),
      name: issue.name,
      tokenHash: hashSecret(token),
      role: issue.user?.role ?? issue.role ?? 'viewer',
      userId: issue.user?.id ?? null,
      kind: issue.kind,
      createdAt: now,
      expiresAt: now + issue.expiresInSeconds * 1000,
      revokedAt: null,
      revokedBy: null,
    };
    await this.tokens.insert(record);
    return { ...this.view(record, issue.user), token };
  }

  /**
   * A token for the caller, or (with the admin permission) for another user. A caller
   * without a user (the first admin) must name the user.
   */
  async create(request: CreateTokenRequest, actor: Actor): Promise<TokenView> {
    const user = await this.whose(request.user, actor);
    return this.issue({
      name: request.name ?? 'api token',
      user,
      kind: 'api',
      expiresInSeconds: request.expiresInSeconds ?? defaultTokenSeconds,
    });
  }

  /** Every token for an admin; the caller's own otherwise. */
  async list(actor: Actor): Promise<TokenView[]> {
    const [rows, users] = await Promise.all([
      actor.role === 'admin' ? this.tokens.list() : this.ownTokens(actor),
      this.users.list(),
    ]);
    const byId = new Map(users.map((u) => [u.id, u]));
    return rows.map((t) => this.view(t, t.userId === null ? null : (byId.get(t.userId) ?? null)));
  }

  /** Revokes a token, refused from the next call on; another user's needs admin. */
  async revoke(id: string, actor: Actor): Promise<TokenView> {
    const token = await this.tokens.find(id);
    if (!token) throw new NotFoundError('token', id);
    if (!this.owns(actor, token)) requirePermission(actor, 'admin', "revoke another user's token");
    await this.tokens.revoke(id, this.clock.now(), actor.name);
    const after = (await this.tokens.find(id)) ?? token;
    const user = after.userId === null ? null : ((await this.users.find(after.userId)) ?? null);
    return this.view(after, user);
  }

  async me(actor: Actor): Promise<MeView> {
    const [token, user] = await Promise.all([
      this.tokens.find(actor.tokenId),
      actor.userId === null ? undefined : this.users.find(actor.userId),
    ]);
    return {
      name: actor.name,
      displayName: user?.displayName ?? actor.name,
      email: user?.email ?? null,
      user: user?.name ?? null,
      role: actor.role,
      permissions: permissionsOf(actor.role),
      groupScope: actor.groupScope,
      tokenId: actor.tokenId,
      tokenExpiresAt: isoOrNull(token?.expiresAt ?? null),
    };
  }

  private async whose(name: string | undefined, actor: Actor): Promise<UserRecord> {
    if (name === undefined) {
      const own = actor.userId === null ? undefined : await this.users.find(actor.userId);
      if (own) return own;
      // A token names the person it acts for ("by …"): the first admin has no user.
      throw new ValidationError(`${actor.name} has no user account: say whose token it is`, [
        { field: 'user', message: 'required for a caller without a user account' },
      ]);
    }
    const user = await this.users.findByName(name);
    if (user?.id !== actor.userId) {
      requirePermission(actor, 'admin', "create another user's token");
    }
    if (!user) throw new NotFoundError('user', name);
    return user;
  }

  private owns(actor: Actor, token: TokenRecord): boolean {
    if (token.id === actor.tokenId) return true;
    return actor.userId !== null && token.userId === actor.userId;
  }

  private async ownTokens(actor: Actor): Promise<TokenRecord[]> {
    if (actor.userId !== null) return this.tokens.list(actor.userId);
    const own = await this.tokens.find(actor.tokenId);
    return own ? [own] : [];
  }

  private view(token: TokenRecord, user: UserRecord | null): TokenView {
    return {
      id: token.id,
      name: token.name,
      user: user?.name ?? null,
      role: user?.role ?? token.role,
      kind: token.kind,
      createdAt: new Date(token.createdAt).toISOString(),
      expiresAt: isoOrNull(token.expiresAt),
      revokedAt: isoOrNull(token.revokedAt),
      revokedBy: token.revokedBy,
    };
  }
}
