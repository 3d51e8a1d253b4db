import { ApiError } from '../api/api-error';

/** An API or network failure, read out by screen readers as it appears. */
export function ErrorBanner({ error }: { error: Error | undefined | null }) {
  if (!error) return null;
  const detail = error instanceof ApiError && error.param ? ` (field: ${error.param})` : '';
  return (
    <p role="alert" className="error">
      {error.message}
      {detail}
    </p>
  );
}
