import { useState } from 'react';

const STORAGE_KEY = 'tuneforge.jaegerUrl';
/** The Jaeger UI of infra/up.sh and of `infra/docker-compose.yml` (port-forwarded on a cluster: docs/deploy.md). */
export const DEFAULT_JAEGER_URL = 'http://127.0.0.1:16686';

/**
 * Jaeger's search for the job's trace: every span of a job carries `tuneforge.job_id` (docs/deploy.md, "Reading a
 * run's trace"), and the trace starts at the gateway's create span.
 */
export function jaegerSearchUrl(base: string, jobId: string, createdAt: number): string {
  const url = new URL('/search', base);
  url.searchParams.set('service', 'tuneforge-gateway');
  url.searchParams.set('tags', JSON.stringify({ 'tuneforge.job_id': jobId }));
  // From a minute before the job was created, so the create span is in range however old the job is.
  url.searchParams.set('start', String((createdAt - 60) * 1_000_000));
  url.searchParams.set('end', String(Date.now() * 1000));
  url.searchParams.set('limit', '20');
  return url.toString();
}

/** The link to the job's trace, with the Jaeger address editable (it is not the API's: each deployment has its own). */
export function JaegerLink({ jobId, createdAt }: { jobId: string; createdAt: number }) {
  const [base, setBase] = useState(() => window.localStorage.getItem(STORAGE_KEY) ?? DEFAULT_JAEGER_URL);
  let href: string | null = null;
  try {
    href = jaegerSearchUrl(base, jobId, createdAt);
  } catch {
    href = null;
  }
  return (
    <span className="jaeger">
      {href ? (
        <a href={href} target="_blank" rel="noreferrer">
          Trace in Jaeger<span className="visually-hidden"> (opens in a new tab)</span>
        </a>
      ) : (
        <span className="muted">Set a valid Jaeger address for the trace link</span>
      )}
      <details>
        <summary>Jaeger address</summary>
        <label htmlFor="jaeger-url">Jaeger UI address</label>
        <input
          id="jaeger-url"
          type="url"
          value={base}
          onChange={(e) => {
            setBase(e.target.value);
            window.localStorage.setItem(STORAGE_KEY, e.target.value);
          }}
        />
      </details>
    </span>
  );
}
