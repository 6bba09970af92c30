import { peopleRoutes } from '../../../src/contracts/people-routes.js';
import { oidcCallbackQuery, type MeView } from '../../../src/contracts/people.js';
import { makeApi, type Api } from './client.js';

const KEY = 'ringmaster.session';

/**
 * How someone signs in: a user name (or e-mail) and password, traded for a session token
 * (`POST /api/v1/sessions`), or an API token as it is. Either way the session is a token,
 * and who it is (`GET /api/v1/me`: role, permissions, scope).
 */
export type Credentials =
  { kind: 'token'; token: string } | { kind: 'password'; name: string; password: string };

export type Session = {
  token: string;
  /** The session token's id when the console signed in with a password (revoked at sign-out). */
  sessionTokenId: string | null;
  me: MeView;
  api: Api;
};

type Stored = Omit<Session, 'api'>;

function sessionOf(stored: Stored): Session {
  return { ...stored, api: makeApi(stored.token) };
}

/** Checks the credentials; the session is kept for this browser tab only. */
export async function signIn(credentials: Credentials): Promise<Session> {
  let token: string;
  let sessionTokenId: string | null = null;
  if (credentials.kind === 'password') {
    const name = credentials.name.trim();
    if (name === '') throw new Error('Enter your user name or e-mail.');
    if (credentials.password === '') throw new Error('Enter your password.');
    const session = await makeApi('').signIn({ name, password: credentials.password });
    token = session.token;
    sessionTokenId = session.tokenId;
  } else {
    token = credentials.token.trim();
    if (token === '') throw new Error('Enter an API token.');
  }
  return begin(token, sessionTokenId);
}

/** Who the token is, kept for this browser tab. */
async function begin(token: string, sessionTokenId: string | null): Promise<Session> {
  const me = await makeApi(token).me();
  const stored: Stored = { token, sessionTokenId, me };
  sessionStorage.setItem(KEY, JSON.stringify(stored));
  return sessionOf(stored);
}

/** Where the server sends the browser to sign in through the OIDC provider. */
export const oidcLoginPath = peopleRoutes.oidcLogin.path;

/**
 * Whether the provider has just sent the browser back: the server answers a browser at
 * the callback with the console, which finishes the sign-in (`finishOidc`).
 */
export const isOidcReturn = (): boolean => location.pathname === peopleRoutes.oidcCallback.path;

let finishing: Promise<Session> | null = null;

/**
 * Trades the provider's answer (the callback's query) for a session token: the same call,
 * asking for JSON. Once per page load: the server accepts each sign-in's state once.
 */
export function finishOidc(search: string): Promise<Session> {
  finishing ??= (async () => {
    const query = oidcCallbackQuery.parse(Object.fromEntries(new URLSearchParams(search)));
    const session = await makeApi('').oidcCallback(query);
    return begin(session.token, session.tokenId);
  })();
  return finishing;
}

export function restoreSession(): Session | null {
  const text = sessionStorage.getItem(KEY);
  if (!text) return null;
  try {
    return sessionOf(JSON.parse(text) as Stored);
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

/** Who the session is now (a role may have changed since sign-in); kept for the next reload. */
export async function refreshMe(session: Session): Promise<Session> {
  const me = await session.api.me();
  const stored: Stored = { token: session.token, sessionTokenId: session.sessionTokenId, me };
  sessionStorage.setItem(KEY, JSON.stringify(stored));
  return { ...session, me };
}

/** Forgets the session; a password session's token is revoked on the server too. */
export async function signOut(session: Session | null): Promise<void> {
  sessionStorage.removeItem(KEY);
  if (session?.sessionTokenId) {
    await session.api.revokeToken(session.sessionTokenId).catch(() => undefined);
  }
}
