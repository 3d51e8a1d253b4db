import { z } from 'zod';

/**
 * The debugger's own environment variables, validated at boot with the kit's; a wrong value stops the process
 * with exit code 78 naming the variable. All optional: without `TF_DEBUGGER_LLM_BASE_URL` the findings go out
 * with no prose explanation (they never depend on one).
 */
export const debuggerEnvSchema = z
  .object({
    /** An OpenAI-compatible API (`https://api.openai.com/v1`, a vLLM or llama.cpp server, Tuneforge's own). */
    TF_DEBUGGER_LLM_BASE_URL: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'an http or https URL')
      .optional(),
    /** The model the endpoint serves; required with the base URL. */
    TF_DEBUGGER_LLM_MODEL: z.string().min(1).optional(),
    /** Bearer key for the endpoint; local servers usually need none. */
    TF_DEBUGGER_LLM_API_KEY: z.string().min(1).optional(),
    /** How long one explanation may take: the diagnosis waits for it before it is published. */
    TF_DEBUGGER_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  })
  .superRefine((config, context) => {
    if (config.TF_DEBUGGER_LLM_BASE_URL && !config.TF_DEBUGGER_LLM_MODEL) {
      context.addIssue({ code: 'custom', path: ['TF_DEBUGGER_LLM_MODEL'], message: 'required when TF_DEBUGGER_LLM_BASE_URL is set' });
    }
    if (!config.TF_DEBUGGER_LLM_BASE_URL && config.TF_DEBUGGER_LLM_MODEL) {
      context.addIssue({ code: 'custom', path: ['TF_DEBUGGER_LLM_BASE_URL'], message: 'required when TF_DEBUGGER_LLM_MODEL is set' });
    }
  });

export type DebuggerConfig = z.infer<typeof debuggerEnvSchema>;

/** Where explanations are asked for, when an endpoint is configured. */
export interface ExplanationEndpoint {
  baseURL: string;
  model: string;
  apiKey: string;
  timeoutMs: number;
}

/** The configured endpoint, or undefined when the debugger has none (findings without prose). */
export function explanationEndpoint(config: Partial<DebuggerConfig> | undefined): ExplanationEndpoint | undefined {
  if (!config?.TF_DEBUGGER_LLM_BASE_URL || !config.TF_DEBUGGER_LLM_MODEL) return undefined;
  return {
    baseURL: config.TF_DEBUGGER_LLM_BASE_URL,
    model: config.TF_DEBUGGER_LLM_MODEL,
    // The client refuses an empty key; servers that need none ignore the header.
    apiKey: config.TF_DEBUGGER_LLM_API_KEY ?? 'none',
    timeoutMs: config.TF_DEBUGGER_LLM_TIMEOUT_MS ?? 30_000,
  };
}
