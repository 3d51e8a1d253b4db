/** An API failure as the gateway reports it: OpenAI's error envelope, with the field it blames in `param`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

interface ErrorEnvelope {
  error?: { message?: unknown; param?: unknown; code?: unknown; type?: unknown };
}

/** Reads an error response; a body that is not an OpenAI envelope still gives the status and the text. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as ErrorEnvelope;
    if (body.error && typeof body.error.message === 'string') {
      return new ApiError(response.status, body.error.message, typeof body.error.param === 'string' ? body.error.param : null, typeof body.error.code === 'string' ? body.error.code : null);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(response.status, text.trim() || `HTTP ${response.status}`);
}
