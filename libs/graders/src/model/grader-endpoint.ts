import { GraderRunError } from '../grader-errors';
import type { GraderContext } from '../grader-types';

const DEFAULT_ATTEMPTS = 4;
const DEFAULT_BACKOFF_MS = 500;
/** One request's limit: a grader model that hangs is as good as down. */
const REQUEST_TIMEOUT_MS = 60_000;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/**
 * POSTs JSON to the context's OpenAI-compatible endpoint (`/chat/completions`, `/embeddings`) and returns the parsed
 * answer. The endpoint not answering (connection refused, timeout, 5xx, 429) is retried with exponential backoff;
 * after the last attempt, or at once for another 4xx (a model the endpoint does not serve, a bad key), it throws
 * `GraderRunError`: every sample would fail alike, so the run fails with the reason instead of training on zeros.
 */
export async function postToGraderEndpoint(ctx: GraderContext, path: string, body: unknown): Promise<unknown> {
  const endpoint = ctx.openai;
  if (!endpoint) throw new GraderRunError(`this grader calls a model, and no OpenAI-compatible endpoint is configured for graders`, 'not_configured');
  const url = `${endpoint.baseURL.replace(/\/+$/, '')}${path}`;
  const doFetch = endpoint.fetch ?? fetch;
  const attempts = endpoint.attempts ?? DEFAULT_ATTEMPTS;
  let lastProblem = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep((endpoint.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 2), ctx.signal);
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.apiKey}` },
        body: JSON.stringify(body),
        signal: ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout,
      });
    } catch (error) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      lastProblem = describeFetchError(error);
      continue;
    }
    const text = await response.text();
    if (response.ok) {
      try {
        return JSON.parse(text);
      } catch {
        lastProblem = `the answer is not JSON: ${text.slice(0, 200)}`;
        continue;
      }
    }
    lastProblem = `HTTP ${response.status}: ${errorMessageOf(text)}`;
    if (response.status !== 429 && response.status < 500) {
      throw new GraderRunError(`the grader endpoint ${url} refused the request (${lastProblem})`, 'endpoint_refused');
    }
  }
  throw new GraderRunError(`the grader endpoint ${url} did not answer after ${attempts} attempts (last: ${lastProblem})`, 'endpoint_unreachable');
}

/** The reason under fetch's "fetch failed" (ECONNREFUSED, a timeout); duck-typed, as the error may come from another realm. */
function describeFetchError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { cause, message, name } = error as { cause?: { code?: string; message?: string }; message?: string; name?: string };
  return cause?.code ?? cause?.message ?? (name === 'TimeoutError' ? 'no answer within 60 s' : message ?? String(error));
}

function errorMessageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    if (parsed.error?.message) return parsed.error.message;
  } catch {
    // Not an OpenAI error object: show the start of the text.
  }
  return text.slice(0, 200);
}
