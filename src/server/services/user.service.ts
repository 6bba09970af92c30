import type {
  CreateUserRequest,
  SessionView,
  SetUserRequest,
  SignInRequest,
  UserView,
} from '../../contracts/people.js';
import { isRole } from '../../domain/access.js';
import type { Clock } from '../../domain/clock.js';
import {
  ConflictError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../../domain/errors.js';
import type { UserChanges, UserRecord, UserRepository } from '../../store/user.repository.js';
import type { Actor } from '../http/auth.js';
import { checkPassword, hashPassword } from './passwords.js';
import { newId } from './secrets.js';
import type { SignInLimiter } from './signin-limiter.js';
import type { TokenService } from './token.service.js';

/** How long a session from signing in lasts. */
export const sessionSeconds = 12 * 3600;

/** The one answer to any failed sign-in: it does not tell which part was wrong. */
const wrongSignIn = 'the user name or password is wrong';

export function userView(user: UserRecord): UserView {
  return {
    id: user.id,
    name: user.name,
    displayName: user.displayName,
    email: user.email,
    role: isRole(user.role) ? user.role : 'viewer',
    groupScope: user.groupScope,
    hasPassword: user.passwordHash !== null,
    disabledAt: user.disabledAt === null ? null : new Date(user.disabledAt).toISOString(),
    disabledBy: user.disabledBy,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}

/** Local accounts, and signing in with a password. */
export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly tokens: TokenService,
    private readonly clock: Clock,
    private readonly limiter: SignInLimiter | null = null,
  ) {}

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(userView);
  }

  async show(name: string): Promise<UserView> {
    return userView(await this.get(name));
  }

  async get(name: string): Promise<UserRecord> {
    const user = await this.users.findByName(name);
    if (!user) throw new NotFoundError('user', name);
    return user;
  }

  async create(request: CreateUserRequest): Promise<UserView> {
    const user: UserRecord = {
      id: newId('usr'),
      name: request.name,
      displayName: request.displayName ?? request.name,
      email: request.email ?? null,
      role: request.role,
      groupScope: scopeOf(request.groupScope),
      passwordHash: request.password === undefined ? null : await hashPassword(request.password),
      disabledAt: null,
      disabledBy: null,
      createdAt: this.clock.now(),
    };
    if (!(await this.users.insert(user))) {
      throw new ConflictError(`user "${request.name}" already exists`);
    }
    return userView(user);
  }

  /** Changes take effect at once: every token reads its user's role and state when used. */
  async set(name: string, request: SetUserRequest, actor: Actor): Promise<UserView> {
    const user = await this.get(name);
    if (request.disabled === true && user.id === actor.userId) {
      throw new ValidationError('you cannot disable yourself', [
        { field: 'disabled', message: 'you cannot disable the user you are signed in as' },
      ]);
    }
    const changes: UserChanges = {
      ...(request.displayName !== undefined && { displayName: request.displayName }),
      ...(request.email !== undefined && { email: request.email }),
      ...(request.role !== undefined && { role: request.role }),
      ...(request.groupScope !== undefined && { groupScope: scopeOf(request.groupScope) }),
      ...(request.password !== undefined && {
        passwordHash: request.password === null ? null : await hashPassword(request.password),
      }),
    };
    if (request.disabled === true && user.disabledAt === null) {
      changes.disabled = { at: this.clock.now(), by: actor.name };
    } else if (request.disabled === false) {
      changes.disabled = null;
    }
    await this.users.update(user.id, changes);
    return this.show(name);
  }

  /**
   * A session token for a user name (or e-mail) and password; one 401 for any failure. With a
   * limiter, a name or address with too many recent failures gets a 429 before the password
   * is checked, and every failure from `from` counts.
   */
  async signIn(request: SignInRequest, from = ''): Promise<SessionView> {
    this.limiter?.check(request.name, from);
    const user =
      (await this.users.findByName(request.name)) ??
      (request.name.includes('@') ? await this.users.findByEmail(request.name) : undefined);
    const ok = await checkPassword(user?.passwordHash ?? null, request.password);
    if (!user || !ok || user.disabledAt !== null) {
      this.limiter?.failed(request.name, from);
      throw new UnauthorizedError(wrongSignIn);
    }
    this.limiter?.succeeded(request.name);
    return this.session(user);
  }

  /** A session token for a user who proved who they are (a password, or an OIDC provider). */
  async session(user: UserRecord): Promise<SessionView> {
    const issued = await this.tokens.issue({
      name: 'session',
      user,
      kind: 'session',
      expiresInSeconds: sessionSeconds,
    });
    return {
      token: issued.token ?? '',
      tokenId: issued.id,
      expiresAt: issued.expiresAt ?? '',
      user: userView(user),
    };
  }
}

/** The stored scope: distinct names, sorted; null for every group. */
function scopeOf(scope: string[] | null | undefined): string[] | null {
  return scope === undefined || scope === null ? null : [...new Set(scope)].sort();
}
