import { DEFAULT_JOB_LIMITS, jobLimitsSchema } from '@tuneforge/contracts';
import { z } from 'zod';
import { parseApiKeys } from '../auth/api-keys';
import { parseDefaultQuotas } from '../quotas/quota-limits';

const MiB = 1024 * 1024;

/**
 * The gateway's own environment variables, validated at boot with the kit's other variables; a wrong
 * value stops the process with exit code 78 naming the variable.
 */
export const gatewayEnvSchema = z.object({
  /** How long POST /v1/ping waits for the services that have not answered yet. */
  TF_PING_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /**
   * `key:tenant` pairs separated by commas: keys written (hashed) into the database at start when not there yet —
   * the first keys; an admin creates and revokes the others (`/v1/admin/api_keys`). Required in distributed mode
   * while the database holds no active key; embedded mode falls back to the development key (see api-keys.ts).
   */
  TF_API_KEYS: z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') return undefined;
      try {
        return parseApiKeys(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * API keys (each also in TF_API_KEYS) of the deployment's operators, seeded as admin keys: they manage API keys and
   * quotas (`/v1/admin/...`) and may register base models for every tenant (`POST /v1/models` with `scope=operator`).
   * Comma-separated. Embedded mode's development key is one.
   */
  TF_ADMIN_API_KEYS: z
    .string()
    .optional()
    .transform((value) => new Set((value ?? '').split(',').map((key) => key.trim()).filter(Boolean))),
  /**
   * What one job may ask of this deployment (JSON, keys of `jobLimitsSchema` in @tuneforge/contracts: batch size,
   * sequence length, synthesis samples, evaluation size, ...; absent keys keep their defaults). A create request or
   * an approval edit beyond them is a 400 naming the field.
   */
  TF_JOB_LIMITS: z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') return DEFAULT_JOB_LIMITS;
      try {
        const parsed = jobLimitsSchema.safeParse(JSON.parse(value));
        if (parsed.success) return parsed.data;
        context.addIssue({ code: 'custom', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      } catch (error) {
        context.addIssue({ code: 'custom', message: `not JSON: ${(error as Error).message}` });
      }
      return z.NEVER;
    }),
  /**
   * Every tenant's quotas unless it has its own (`PUT /v1/admin/quotas/{tenant}`):
   * `concurrent_jobs=4,stored_bytes=10737418240,trained_tokens_per_day=50000000`; a quota left out is unlimited.
   */
  TF_DEFAULT_QUOTAS: z
    .string()
    .optional()
    .transform((value, context) => {
      try {
        return parseDefaultQuotas(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Largest accepted upload, in bytes (OpenAI's own cap is 512 MB). */
  TF_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(512 * MiB),
  /** Largest base model upload (`POST /v1/models`: a GGUF file or a model directory's files together), in bytes. */
  TF_MAX_MODEL_UPLOAD_BYTES: z.coerce.number().int().min(1).default(32 * 1024 * MiB),
  /**
   * Where a base model upload is staged (and a GGUF converted) before it is checked and committed to the store;
   * the system's temporary directory when unset. Needs room for the upload plus its f32 import.
   */
  TF_MODEL_UPLOAD_DIR: z.string().min(1).optional(),
  /** Requests each API key may make per minute on one gateway instance; bursts up to the same number. */
  TF_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /**
   * Base URL of the inference service (`http://inference:8080`), where chat completions and completions are
   * routed. Unset: those endpoints answer 503 naming this variable.
   */
  TF_INFERENCE_URL: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
});

export type GatewayConfig = z.infer<typeof gatewayEnvSchema>;
