import { makeApi, type Api } from './client.js';

const KEY = 'ringmaster.token';

/**
 * How someone signs in. Today: an admin API token. A user and password form can be
 * added as another kind that trades them for a token; the session stays a token.
 */
export type Credentials = { kind: 'token'; token: string };

export type Session = { token: string; api: Api };

function sessionOf(token: string): Session {
  return { token, api: makeApi(token) };
}

/** Checks the credentials with one call; the token is kept for this browser tab only. */
export async function signIn(credentials: Credentials): Promise<Session> {
  const token = credentials.token.trim();
  if (token === '') throw new Error('Enter an API token.');
  const session = sessionOf(token);
  await session.api.listGroups();
  sessionStorage.setItem(KEY, token);
  return session;
}

export function restoreSession(): Session | null {
  const token = sessionStorage.getItem(KEY);
  return token ? sessionOf(token) : null;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}
