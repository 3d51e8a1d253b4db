import { HttpException, HttpStatus } from '@nestjs/common';
import type { OpenAiError, OpenAiErrorType } from '@tuneforge/contracts';

/** A failure as an HTTP service answers it: OpenAI's error envelope, its status and headers. */
export interface HttpErrorResponse {
  status: number;
  body: OpenAiError;
  headers: Record<string, string>;
  /** Unexpected failures are logged with their stack; expected ones are the client's business. */
  unexpected: boolean;
}

export const openAiErrorEnvelope = (
  status: number,
  type: OpenAiErrorType,
  message: string,
  param: string | null = null,
  code: string | null = null,
  headers: Record<string, string> = {},
  unexpected = false,
): HttpErrorResponse => ({ status, body: { error: { message, type, param, code } }, headers, unexpected });

/** Errors Nest or Express raise before a handler runs: unknown routes, bodies the parsers refuse. */
function fromHttpException(exception: HttpException): HttpErrorResponse {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
  if (status === HttpStatus.NOT_FOUND) return openAiErrorEnvelope(404, 'invalid_request_error', message, null, 'unknown_url');
  if (status === HttpStatus.PAYLOAD_TOO_LARGE) return openAiErrorEnvelope(413, 'invalid_request_error', message, null, 'request_too_large');
  // Nest turns body-parser's SyntaxError into a bare BadRequestException carrying only its message.
  if (status === HttpStatus.BAD_REQUEST && /\bJSON\b/.test(message)) {
    return openAiErrorEnvelope(400, 'invalid_request_error', `We could not parse the JSON body of your request: ${message}`, null, 'invalid_json');
  }
  if (status < 500) return openAiErrorEnvelope(status, 'invalid_request_error', message);
  return openAiErrorEnvelope(status, 'server_error', message, null, null, {}, true);
}

/** body-parser's errors carry `type` and `status` rather than being HttpExceptions. */
interface BodyParserError {
  type: string;
  status: number;
  message: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return error instanceof Error && typeof (error as Partial<BodyParserError>).type === 'string' && typeof (error as Partial<BodyParserError>).status === 'number';
}

function fromBodyParserError(error: BodyParserError): HttpErrorResponse {
  switch (error.type) {
    case 'entity.parse.failed':
      return openAiErrorEnvelope(400, 'invalid_request_error', `We could not parse the JSON body of your request: ${error.message}`, null, 'invalid_json');
    case 'entity.too.large':
      return openAiErrorEnvelope(413, 'invalid_request_error', 'The request body is too large.', null, 'request_too_large');
    default:
      return openAiErrorEnvelope(error.status >= 400 && error.status < 500 ? error.status : 400, 'invalid_request_error', error.message);
  }
}

/**
 * Every failure, whatever raised it, as OpenAI's error envelope with the matching HTTP status: first what the
 * service maps itself (its own errors, storage errors as it words them), then Nest's and body-parser's
 * errors; anything else is a 500 that reveals nothing of the cause.
 */
export function toOpenAiError(exception: unknown, serviceMapping: (exception: unknown) => HttpErrorResponse | undefined): HttpErrorResponse {
  const mapped = serviceMapping(exception);
  if (mapped) return mapped;
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isBodyParserError(exception)) return fromBodyParserError(exception);
  return openAiErrorEnvelope(500, 'server_error', 'The server had an error while processing your request.', null, null, {}, true);
}
