import * as oidc from 'openid-client';
import type { SessionView } from '../../contracts/people.js';
import { userName } from '../../contracts/people.js';
import type { Role } from '../../domain/access.js';
import type { Clock } from '../../domain/clock.js';
import { NotFoundError, UnauthorizedError, ValidationError } from '../../domain/errors.js';
import type { UserRecord, UserRepository } from '../../store/user.repository.js';
import { newId } from './secrets.js';
import type { UserService } from './user.service.js';

export type OidcOptions = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the provider sends the browser back: `<public URL>/api/v1/auth/oidc/callback`. */
  redirectUrl: string;
  /** The role of a user created at their first sign-in; null: only pre-created users. */
  defaultRole: Role | null;
};

/** What the provider says of the user: the ID token's claims, or its userinfo answer. */
type Claims = { sub: string; email?: unknown; email_verified?: unknown; name?: unknown };

type Pending = { codeVerifier: string; nonce: string; startedAt: number };

/** How long a browser has between the login redirect and the callback. */
const pendingMs = 10 * 60_000;
const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/**
 * Sign-in through an OpenID Connect provider (authorization-code flow with PKCE): the
 * ID token's e-mail (else its subject) names the user, who gets a session token.
 */
export class OidcService {
  private config: Promise<oidc.Configuration> | undefined;
  /** Logins started on this server, by state; a callback must reach the same replica. */
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly options: OidcOptions | null,
    private readonly users: UserRepository,
    private readonly userService: UserService,
    private readonly clock: Clock,
  ) {}

  /** Whether this server offers OIDC sign-in (it was given --oidc-issuer). */
  offered(): boolean {
    return this.options !== null;
  }

  private configuration(): Promise<oidc.Configuration> {
    const options = this.options;
    if (!options) throw new NotFoundError('sign-in method', 'oidc');
    this.config ??= (async () => {
      const issuer = new URL(options.issuer);
      // Plain HTTP only to a provider on this machine (tests, a local provider).
      const insecure = issuer.protocol === 'http:' && isLoopback(issuer);
      return oidc.discovery(
        issuer,
        options.clientId,
        options.clientSecret,
        undefined,
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
    })();
    this.config.catch(() => (this.config = undefined));
    return this.config;
  }

  /** The provider's authorization URL to send the browser to. */
  async loginUrl(): Promise<string> {
    const config = await this.configuration();
    const now = this.clock.now();
    for (const [state, p] of this.pending) {
      if (now - p.startedAt > pendingMs) this.pending.delete(state);
    }
    const state = oidc.randomState();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    this.pending.set(state, { codeVerifier, nonce, startedAt: now });
    return oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: this.options?.redirectUrl ?? '',
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      .toString();
  }

  /** The provider sent the browser back with `query`: a session token for the user it names. */
  async callback(query: Record<string, string>): Promise<SessionView> {
    const config = await this.configuration();
    const state = query.state ?? '';
    const pending = this.pending.get(state);
    if (!pending || this.clock.now() - pending.startedAt > pendingMs) {
      throw new UnauthorizedError(
        'this sign-in was not started here, or took too long: start again',
      );
    }
    this.pending.delete(state);
    if (query.error) {
      throw new UnauthorizedError(
        `the provider refused the sign-in: ${query.error}${query.error_description ? ` (${query.error_description})` : ''}`,
      );
    }
    const url = new URL(this.options?.redirectUrl ?? '');
    url.search = new URLSearchParams(query).toString();
    let claims: Claims;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new Error('the provider gave no ID token');
      claims = idToken;
      // A provider may keep the e-mail out of the ID token: then ask its userinfo endpoint.
      if (typeof idToken.email !== 'string' && config.serverMetadata().userinfo_endpoint) {
        claims = {
          ...(await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub)),
          sub: idToken.sub,
        };
      }
    } catch (error) {
      throw new UnauthorizedError(
        `the sign-in could not be completed: ${(error as Error).message}`,
      );
    }
    const user = await this.userFor(claims);
    if (user.disabledAt !== null) throw new UnauthorizedError(`user ${user.name} is disabled`);
    return this.userService.session(user);
  }

  /** The user the ID token names: by verified e-mail, else by subject as the user name. */
  private async userFor(claims: Claims): Promise<UserRecord> {
    const email =
      typeof claims.email === 'string' && claims.email_verified !== false ? claims.email : null;
    const found =
      (email ? await this.users.findByEmail(email) : undefined) ??
      (await this.users.findByName(claims.sub));
    const who = email ?? claims.sub;
    // Found by name only when that user has no e-mail, or the same one.
    if (found && (found.email === null || found.email === email)) return found;
    if (found) throw new UnauthorizedError(`user ${found.name} has another e-mail than ${who}`);
    const role = this.options?.defaultRole ?? null;
    if (role === null) {
      throw new UnauthorizedError(`no user for ${who}: an admin must create one first`);
    }
    const name = userName.safeParse(who).success
      ? who
      : `oidc-${claims.sub.replace(/[^A-Za-z0-9._@-]/g, '-')}`;
    if (!userName.safeParse(name).success) {
      throw new ValidationError(`cannot make a user name from ${who}`);
    }
    const user: UserRecord = {
      id: newId('usr'),
      name,
      displayName: typeof claims.name === 'string' ? claims.name : who,
      email,
      role,
      groupScope: null,
      passwordHash: null,
      disabledAt: null,
      disabledBy: null,
      createdAt: this.clock.now(),
    };
    // A name taken meanwhile, or by a user with another e-mail, is never signed in as.
    if (!(await this.users.insert(user))) {
      throw new UnauthorizedError(`a user named ${name} exists with another e-mail`);
    }
    return user;
  }
}
