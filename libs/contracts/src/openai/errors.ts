import { z } from 'zod';

/**
 * OpenAI's error envelope. `type` is the broad class clients branch on; `param` names the request
 * field at fault (dotted path for nested JSON fields), or null when no single field is.
 */
export const openAiErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.enum(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'rate_limit_error', 'server_error']),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});

export type OpenAiError = z.infer<typeof openAiErrorSchema>;
export type OpenAiErrorType = OpenAiError['error']['type'];
