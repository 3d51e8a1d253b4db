import { useId, useState, type FormEvent } from 'react';
import { ApiClient } from '../api/client';
import { ApiError } from '../api/api-error';

interface Props {
  onSignedIn(apiKey: string, remember: boolean): void;
}

/** One API key decides everything the dashboard shows: it is checked against the API before it is kept. */
export function SignInPage({ onSignedIn }: Props) {
  const [apiKey, setApiKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await new ApiClient(apiKey.trim()).models();
      onSignedIn(apiKey.trim(), remember);
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? 'This API key is not valid.' : `Could not reach the API: ${(caught as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in" id="main">
      <h1>Tuneforge</h1>
      <p>Sign in with an API key. The dashboard shows what that key&apos;s tenant may see.</p>
      <form onSubmit={submit} aria-describedby={error ? errorId : undefined}>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="current-password" required value={apiKey} onChange={(e) => setApiKey(e.target.value)} aria-invalid={error ? true : undefined} />
        <label className="inline">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Stay signed in on this device
        </label>
        {error && (
          <p id={errorId} role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || apiKey.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
