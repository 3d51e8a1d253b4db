import { openAiErrorEnvelope as envelope, toOpenAiError as toOpenAiErrorWith, type HttpErrorResponse } from '@tuneforge/service-kit';
import { StorageError, type StorageErrorCode } from '@tuneforge/storage';
import { GatewayError, type GatewayErrorCode } from './gateway-errors';

function fromGatewayError(error: GatewayError): HttpErrorResponse {
  const code: GatewayErrorCode = error.code;
  switch (code) {
    case 'INVALID_REQUEST':
      return envelope(400, 'invalid_request_error', error.message, (error as GatewayError & { param: string | null }).param);
    case 'MISSING_API_KEY':
      return envelope(401, 'invalid_request_error', error.message, null, 'missing_api_key');
    case 'INVALID_API_KEY':
      return envelope(401, 'invalid_request_error', error.message, null, 'invalid_api_key');
    case 'PERMISSION_DENIED':
      return envelope(403, 'permission_error', error.message, (error as GatewayError & { param: string | null }).param, 'permission_denied');
    case 'NOT_FOUND':
      return envelope(404, 'invalid_request_error', error.message, (error as GatewayError & { param: string | null }).param);
    case 'UPLOAD_TOO_LARGE':
      return envelope(413, 'invalid_request_error', error.message, 'file', 'file_too_large');
    case 'CONFLICT':
      return envelope(409, 'invalid_request_error', error.message, (error as GatewayError & { param: string | null }).param, 'conflict');
    case 'QUOTA_EXCEEDED':
      // Not a rate: waiting a moment changes nothing, so OpenAI's SDKs are told not to retry (they retry other 429s).
      return envelope(429, 'rate_limit_error', error.message, (error as GatewayError & { param: string | null }).param, 'quota_exceeded', { 'x-should-retry': 'false' });
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
    // The gateway's own temporary store keys ran out: the store is out of its reach until they are renewed.
    case 'STORAGE_CREDENTIALS_EXPIRED':
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

/** Every failure, whatever raised it, as OpenAI's error envelope with the matching HTTP status. */
export function toOpenAiError(exception: unknown): HttpErrorResponse {
  return toOpenAiErrorWith(exception, (error) => (error instanceof GatewayError ? fromGatewayError(error) : error instanceof StorageError ? fromStorageError(error) : undefined));
}
