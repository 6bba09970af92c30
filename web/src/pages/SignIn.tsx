import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, makeApi } from '../api/client.js';
import { ErrorNote } from '../components/common.js';
import {
  finishOidc,
  isOidcReturn,
  oidcLoginPath,
  signIn,
  type Credentials,
  type Session,
} from '../api/session.js';
import { useLoad } from '../hooks.js';
import { navigate } from '../router.js';
import { useTheme } from '../theme.js';

type Kind = Credentials['kind'];

/** A refused sign-in (401) or too many tries (429): the server's words, not "token". */
const inWords = (err: unknown): unknown =>
  err instanceof ApiError && err.status !== 403 ? new Error(err.body.message) : err;

/**
 * Back from the OIDC provider: finishes the sign-in, and leaves the callback's address
 * (its one-time code) out of the history whatever the outcome.
 */
function useOidcReturn(onSignedIn: (s: Session) => void, onError: (e: unknown) => void): boolean {
  const [pending, setPending] = useState(isOidcReturn);
  useEffect(() => {
    if (!pending) return;
    finishOidc(location.search).then(
      (session) => {
        navigate('/', true);
        onSignedIn(session);
      },
      (err: unknown) => {
        navigate('/', true);
        setPending(false);
        onError(inWords(err));
      },
    );
    // Once: the provider's answer is in this page load's address.
  }, []);
  return pending;
}

/**
 * Sign in through the organisation's OIDC provider (when the server offers it), with a
 * user name (or e-mail) and password, or with an API token (`ringmaster server` prints
 * the first admin's at its first start).
 */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  useTheme();
  const methods = useLoad(() => makeApi('').signInMethods(), 'sign-in-methods');
  const [kind, setKind] = useState<Kind>('password');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const returning = useOidcReturn(onSignedIn, setError);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(kind === 'password' ? { kind, name, password } : { kind, token }));
    } catch (err) {
      setError(kind === 'password' ? inWords(err) : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="signin">
      <h1>Ringmaster</h1>
      {returning && (
        <p role="status" className="muted">
          Signing you in…
        </p>
      )}
      {methods.data?.oidc && (
        <div className="sso">
          <a className="button primary" href={oidcLoginPath}>
            Sign in with your organisation
          </a>
          <p className="muted small">
            Through your organisation&apos;s sign-in page; you come back here signed in.
          </p>
          <p className="or" aria-hidden="true">
            or
          </p>
        </div>
      )}
      <form onSubmit={(e) => void submit(e)} aria-describedby="signin-help">
        <fieldset className="choice">
          <legend>Sign in with</legend>
          {(
            [
              ['password', 'User and password'],
              ['token', 'Token'],
            ] as const
          ).map(([value, label]) => (
            <label key={value}>
              <input
                type="radio"
                name="kind"
                value={value}
                checked={kind === value}
                onChange={() => {
                  setKind(value);
                  setError(undefined);
                }}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
        {kind === 'password' ? (
          <>
            <label htmlFor="user">User name or e-mail</label>
            <input
              id="user"
              name="username"
              autoComplete="username"
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
            />
            <label htmlFor="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
            <p id="signin-help" className="muted">
              Your Ringmaster account (an admin creates it with <code>ringmaster user create</code>
              ). The session lasts 12 hours, in this browser tab only.
            </p>
          </>
        ) : (
          <>
            <label htmlFor="token">API token</label>
            <input
              id="token"
              name="token"
              type="password"
              autoComplete="current-password"
              value={token}
              onChange={(e) => setToken(e.target.value)}
              required
            />
            <p id="signin-help" className="muted">
              An API token, e.g. the first admin&apos;s, which the server printed at its first
              start. It is kept in this browser tab only and forgotten when the tab closes.
            </p>
          </>
        )}
        <ErrorNote error={error} title="Not signed in" />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
