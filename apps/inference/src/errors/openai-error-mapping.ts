import { openAiErrorEnvelope as envelope, toOpenAiError as toOpenAiErrorWith, type HttpErrorResponse } from '@tuneforge/service-kit';
import { StorageError, type StorageErrorCode } from '@tuneforge/storage';
import { InferenceError, InvalidRequestError, OverloadedError, type InferenceErrorCode } from './inference-errors';

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
    // The service's own temporary store keys ran out: the store is out of its reach until they are renewed.
    case 'STORAGE_CREDENTIALS_EXPIRED':
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

/** Every failure, whatever raised it, as OpenAI's error envelope with the matching HTTP status. */
export function toOpenAiError(exception: unknown): HttpErrorResponse {
  return toOpenAiErrorWith(exception, (error) => (error instanceof InferenceError ? fromInferenceError(error) : error instanceof StorageError ? fromStorageError(error) : undefined));
}
