import { HttpException, HttpStatus } from '@nestjs/common';
import type { OpenAiError, OpenAiErrorType } from '@tuneforge/contracts';
import { StorageError, type StorageErrorCode } from '@tuneforge/storage';
import { GatewayError, type GatewayErrorCode } from './gateway-errors';

export interface HttpErrorResponse {
  status: number;
  body: OpenAiError;
  headers: Record<string, string>;
  /** Unexpected failures are logged with their stack; expected ones are the client's business. */
  unexpected: boolean;
}

const envelope = (status: number, type: OpenAiErrorType, message: string, param: string | null = null, code: string | null = null, headers: Record<string, string> = {}, unexpected = false): HttpErrorResponse => ({
  status,
  body: { error: { message, type, param, code } },
  headers,
  unexpected,
});

function fromGatewayError(error: GatewayError): HttpErrorResponse {
  const code: GatewayErrorCode = error.code;
  switch (code) {
    case 'INVALID_REQUEST':
      return envelope(400, 'invalid_request_error', error.message, (error as GatewayError & { param: string | null }).param);
    case 'MISSING_API_KEY':
      return envelope(401, 'invalid_request_error', error.message, null, 'missing_api_key');
    case 'INVALID_API_KEY':
      return envelope(401, 'invalid_request_error', error.message, null, 'invalid_api_key');
    case 'NOT_FOUND':
      return envelope(404, 'invalid_request_error', error.message, (error as GatewayError & { param: string | null }).param);
    case 'UPLOAD_TOO_LARGE':
      return envelope(413, 'invalid_request_error', error.message, 'file', 'file_too_large');
    case 'CONFLICT':
      return envelope(409, 'invalid_request_error', error.message, (error as GatewayError & { param: string | null }).param, 'conflict');
    case 'UPSTREAM_UNAVAILABLE':
      return envelope(503, 'server_error', error.message, null, 'service_unavailable', { 'retry-after': '5' }, true);
    case 'RATE_LIMITED': {
      const retryAfter = String((error as GatewayError & { retryAfterSeconds: number }).retryAfterSeconds);
      return envelope(429, 'rate_limit_error', error.message, null, 'rate_limit_exceeded', { 'retry-after': retryAfter });
    }
  }
}

/** Storage keys are internal: clients get what went wrong, never where. */
function fromStorageError(error: StorageError): HttpErrorResponse {
  const code: StorageErrorCode = error.code;
  switch (code) {
    case 'ARTIFACT_NOT_FOUND':
    case 'ARTIFACT_NOT_COMMITTED':
      return envelope(404, 'invalid_request_error', 'The requested object does not exist.');
    case 'STORAGE_UNAVAILABLE':
      return envelope(503, 'server_error', 'The artifact store is unavailable; try again later.', null, 'storage_unavailable', { 'retry-after': '5' }, true);
    case 'ARTIFACT_EXISTS':
    case 'ARTIFACT_INTEGRITY':
    case 'ARTIFACT_TOO_LARGE':
    case 'INVALID_ARTIFACT_KEY':
    case 'INVALID_TENANT_ID':
    case 'STORAGE_CONFIG':
      return envelope(500, 'server_error', 'The server had an error while processing your request.', null, code.toLowerCase(), {}, true);
  }
}

/** Errors Nest or Express raise before a handler runs: unknown routes, bodies the parsers refuse. */
function fromHttpException(exception: HttpException): HttpErrorResponse {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
  if (status === HttpStatus.NOT_FOUND) return envelope(404, 'invalid_request_error', message, null, 'unknown_url');
  if (status === HttpStatus.PAYLOAD_TOO_LARGE) return envelope(413, 'invalid_request_error', message, null, 'request_too_large');
  // Nest turns body-parser's SyntaxError into a bare BadRequestException carrying only its message.
  if (status === HttpStatus.BAD_REQUEST && /\bJSON\b/.test(message)) {
    return envelope(400, 'invalid_request_error', `We could not parse the JSON body of your request: ${message}`, null, 'invalid_json');
  }
  if (status < 500) return envelope(status, 'invalid_request_error', message);
  return envelope(status, 'server_error', message, null, null, {}, true);
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
      return envelope(400, 'invalid_request_error', `We could not parse the JSON body of your request: ${error.message}`, null, 'invalid_json');
    case 'entity.too.large':
      return envelope(413, 'invalid_request_error', 'The request body is too large.', null, 'request_too_large');
    default:
      return envelope(error.status >= 400 && error.status < 500 ? error.status : 400, 'invalid_request_error', error.message);
  }
}

/** Every failure, whatever raised it, as OpenAI's error envelope with the matching HTTP status. */
export function toOpenAiError(exception: unknown): HttpErrorResponse {
  if (exception instanceof GatewayError) return fromGatewayError(exception);
  if (exception instanceof StorageError) return fromStorageError(exception);
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isBodyParserError(exception)) return fromBodyParserError(exception);
  return envelope(500, 'server_error', 'The server had an error while processing your request.', null, null, {}, true);
}
