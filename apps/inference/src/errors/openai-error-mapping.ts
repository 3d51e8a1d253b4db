import { HttpException, HttpStatus } from '@nestjs/common';
import type { OpenAiError, OpenAiErrorType } from '@tuneforge/contracts';
import { StorageError, type StorageErrorCode } from '@tuneforge/storage';
import { InferenceError, InvalidRequestError, OverloadedError, type InferenceErrorCode } from './inference-errors';

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

function fromInferenceError(error: InferenceError): HttpErrorResponse {
  const code: InferenceErrorCode = error.code;
  switch (code) {
    case 'INVALID_REQUEST': {
      const invalid = error as InvalidRequestError;
      return envelope(400, 'invalid_request_error', error.message, invalid.param, invalid.openAiCode);
    }
    case 'MISSING_TENANT':
      return envelope(401, 'authentication_error', error.message, null, 'missing_tenant');
    case 'MODEL_NOT_FOUND':
      return envelope(404, 'invalid_request_error', error.message, 'model', 'model_not_found');
    case 'OVERLOADED': {
      const retryAfter = String((error as OverloadedError).retryAfterSeconds);
      return envelope(503, 'server_error', error.message, null, 'overloaded', { 'retry-after': retryAfter });
    }
    case 'INVALID_TOOL_CALL':
      return envelope(500, 'server_error', error.message, null, 'invalid_tool_call');
  }
}

/** Storage keys are internal: clients get what went wrong, never where. */
function fromStorageError(error: StorageError): HttpErrorResponse {
  const code: StorageErrorCode = error.code;
  switch (code) {
    case 'STORAGE_UNAVAILABLE':
      return envelope(503, 'server_error', 'The artifact store is unavailable; try again later.', null, 'storage_unavailable', { 'retry-after': '5' }, true);
    case 'ARTIFACT_NOT_FOUND':
    case 'ARTIFACT_NOT_COMMITTED':
    case 'ARTIFACT_EXISTS':
    case 'ARTIFACT_INTEGRITY':
    case 'ARTIFACT_TOO_LARGE':
    case 'INVALID_ARTIFACT_KEY':
    case 'INVALID_TENANT_ID':
    case 'STORAGE_CONFIG':
      return envelope(500, 'server_error', 'The server had an error while loading the model.', null, code.toLowerCase(), {}, true);
  }
}

/** Errors Nest or Express raise before a handler runs: unknown routes, bodies the parser refuses. */
function fromHttpException(exception: HttpException): HttpErrorResponse {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
  if (status === HttpStatus.NOT_FOUND) return envelope(404, 'invalid_request_error', message, null, 'unknown_url');
  if (status === HttpStatus.PAYLOAD_TOO_LARGE) return envelope(413, 'invalid_request_error', message, null, 'request_too_large');
  if (status === HttpStatus.BAD_REQUEST && /\bJSON\b/.test(message)) {
    return envelope(400, 'invalid_request_error', `We could not parse the JSON body of your request: ${message}`, null, 'invalid_json');
  }
  if (status < 500) return envelope(status, 'invalid_request_error', message);
  return envelope(status, 'server_error', message, null, null, {}, true);
}

/** Every failure, whatever raised it, as OpenAI's error envelope with the matching HTTP status. */
export function toOpenAiError(exception: unknown): HttpErrorResponse {
  if (exception instanceof InferenceError) return fromInferenceError(exception);
  if (exception instanceof StorageError) return fromStorageError(exception);
  if (exception instanceof HttpException) return fromHttpException(exception);
  const parser = exception as { type?: unknown; status?: unknown; message?: string };
  if (parser?.type === 'entity.parse.failed') return envelope(400, 'invalid_request_error', `We could not parse the JSON body of your request: ${parser.message}`, null, 'invalid_json');
  if (parser?.type === 'entity.too.large') return envelope(413, 'invalid_request_error', 'The request body is too large.', null, 'request_too_large');
  return envelope(500, 'server_error', 'The server had an error while processing your request.', null, null, {}, true);
}
