import { useState, type FormEvent } from 'react';
import { ErrorNote } from '../components/common.js';
import { signIn, type Session } from '../api/session.js';
import { useTheme } from '../theme.js';

/** Sign in with an admin API token (`ringmaster server` prints the first one). */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  useTheme();
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn({ kind: 'token', token }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="signin">
      <h1>Ringmaster</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby="signin-help">
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
          An admin token, e.g. the one the server printed at its first start. It is kept in this
          browser tab only and forgotten when the tab closes.
        </p>
        <ErrorNote error={error} title="Not signed in" />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
