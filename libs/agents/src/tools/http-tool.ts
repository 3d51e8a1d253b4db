import { type AgentTool, ToolError } from './agent-tool';

/** An HTTP tool an operator allows: the call's arguments are POSTed as JSON to `url`, the response text is the observation. */
export interface HttpToolSpec {
  name: string;
  url: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

export interface HttpToolOptions {
  /** Hosts (`host` or `host:port`) the operator allows; a tool whose URL is elsewhere is refused when it is created. */
  allowedHosts: readonly string[];
  /** A call that has not answered by then fails (default 10 s). */
  timeoutMs?: number;
  /** The observation is cut to this many characters (default 4000). */
  maxChars?: number;
  fetch?: typeof fetch;
}

/** Whether `url` is http(s) on one of `allowedHosts` (a bare host allows any port of it). */
export function hostAllowed(url: string, allowedHosts: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  return allowedHosts.some((allowed) => allowed === parsed.host || allowed === parsed.hostname);
}

/**
 * A tool that calls an operator-allowed HTTP endpoint: rollouts and evaluations may reach only the hosts the operator
 * listed, never one a dataset or a model names. Redirects are not followed (they could leave the allowed hosts); a
 * non-2xx answer, a redirect or a timeout is a tool error the model reads as its observation.
 */
export function createHttpTool(spec: HttpToolSpec, options: HttpToolOptions): AgentTool {
  if (!hostAllowed(spec.url, options.allowedHosts)) throw new Error(`HTTP tool ${spec.name}: ${spec.url} is not on the allowed hosts (${options.allowedHosts.join(', ') || 'none'})`);
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxChars = options.maxChars ?? 4000;
  return {
    name: spec.name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.parameters !== undefined ? { parameters: spec.parameters } : {}),
    async execute(args) {
      let response: Response;
      try {
        response = await fetchImpl(spec.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(args),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        // A DOMException (the signal's reason) need not be an Error of this realm: read its name.
        const name = (error as { name?: unknown } | null)?.name;
        const timedOut = name === 'TimeoutError' || name === 'AbortError';
        throw new ToolError(timedOut ? `no answer within ${timeoutMs} ms` : `the endpoint could not be reached`);
      }
      const text = await response.text();
      if (response.status >= 300) throw new ToolError(`HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
      return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
    },
  };
}
