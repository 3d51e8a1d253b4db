import { UsageError } from './cli-error';

/** The gateway's default address in embedded and distributed mode (`TF_HTTP_PORT`, default 8080). */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080/v1';
/** The development key the gateway accepts in embedded mode while `TF_API_KEYS` is unset. */
export const DEFAULT_API_KEY = 'tf-dev-key';

export interface ConnectionSettings {
  baseUrl: string;
  apiKey: string;
}

/** Flags win over TUNEFORGE_BASE_URL / TUNEFORGE_API_KEY, which win over the embedded-mode defaults. */
export function resolveConnectionSettings(flags: { baseUrl?: string; apiKey?: string }, env: NodeJS.ProcessEnv): ConnectionSettings {
  const baseUrl = (flags.baseUrl ?? nonEmpty(env.TUNEFORGE_BASE_URL) ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url / TUNEFORGE_BASE_URL: '${baseUrl}' is not a URL (expected e.g. ${DEFAULT_BASE_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--base-url / TUNEFORGE_BASE_URL: '${baseUrl}' must be an http:// or https:// URL`);
  }
  const apiKey = flags.apiKey ?? nonEmpty(env.TUNEFORGE_API_KEY) ?? DEFAULT_API_KEY;
  return { baseUrl, apiKey };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}
