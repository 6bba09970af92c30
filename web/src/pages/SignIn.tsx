import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import { ErrorNote } from '../components/common.js';
import { signIn, type Credentials, type Session } from '../api/session.js';
import { useTheme } from '../theme.js';

type Kind = Credentials['kind'];

/**
 * Sign in with a user name (or e-mail) and password, or with an API token (`ringmaster
 * server` prints the first admin's at its first start).
 */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  useTheme();
  const [kind, setKind] = useState<Kind>('password');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(kind === 'password' ? { kind, name, password } : { kind, token }));
    } catch (err) {
      // A refused password (401) or too many tries (429): the server's words, not "token".
      setError(
        kind === 'password' && err instanceof ApiError && err.status !== 403
          ? new Error(err.body.message)
          : err,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="signin">
      <h1>Ringmaster</h1>
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
