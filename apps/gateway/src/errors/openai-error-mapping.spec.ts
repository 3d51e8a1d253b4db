import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ArtifactIntegrityError, ArtifactNotFoundError, StorageCredentialsExpiredError, StorageUnavailableError } from '@tuneforge/storage';
import { InvalidApiKeyError, InvalidRequestError, MissingApiKeyError, ObjectNotFoundError, QuotaExceededError, RateLimitedError, UploadTooLargeError } from './gateway-errors';
import { toOpenAiError } from './openai-error-mapping';

describe('toOpenAiError', () => {
  it.each([
    [new InvalidRequestError('bad', 'purpose'), 400, 'invalid_request_error', 'purpose', null],
    [new MissingApiKeyError(), 401, 'invalid_request_error', null, 'missing_api_key'],
    [new InvalidApiKeyError(), 401, 'invalid_request_error', null, 'invalid_api_key'],
    [new ObjectNotFoundError('File', 'file-x'), 404, 'invalid_request_error', 'id', null],
    [new UploadTooLargeError(10), 413, 'invalid_request_error', 'file', 'file_too_large'],
    [new RateLimitedError(3, 20), 429, 'rate_limit_error', null, 'rate_limit_exceeded'],
    [new QuotaExceededError('concurrent_jobs', 2, 2, 'Quota exceeded: concurrent_jobs'), 429, 'rate_limit_error', null, 'quota_exceeded'],
    [new ArtifactNotFoundError('tenants/a/files/x'), 404, 'invalid_request_error', null, null],
    [new StorageUnavailableError('down'), 503, 'server_error', null, 'storage_unavailable'],
    [new StorageCredentialsExpiredError('http://minio:9000', 'tenants/a/files/x', 'InvalidAccessKeyId'), 503, 'server_error', null, 'storage_unavailable'],
    [new ArtifactIntegrityError('k', 'digest'), 500, 'server_error', null, 'artifact_integrity'],
    [new NotFoundException('Cannot GET /v1/x'), 404, 'invalid_request_error', null, 'unknown_url'],
    [new BadRequestException("Expected ',' or '}' after property value in JSON at position 24"), 400, 'invalid_request_error', null, 'invalid_json'],
    [new Error('boom'), 500, 'server_error', null, null],
  ])('maps %s', (error, status, type, param, code) => {
    const mapped = toOpenAiError(error);
    expect(mapped.status).toBe(status);
    expect(mapped.body.error).toMatchObject({ type, param, code });
  });

  it('tells a rate-limited client when to retry', () => {
    expect(toOpenAiError(new RateLimitedError(3, 20)).headers).toEqual({ 'retry-after': '20' });
  });

  it('tells a client over quota not to retry', () => {
    expect(toOpenAiError(new QuotaExceededError('stored_bytes', 10, 9, 'over', 'file')).headers).toEqual({ 'x-should-retry': 'false' });
  });

  it('never reveals storage keys or internal messages', () => {
    expect(JSON.stringify(toOpenAiError(new ArtifactNotFoundError('tenants/a/files/x')).body)).not.toContain('tenants/');
    expect(toOpenAiError(new Error('secret detail')).body.error.message).not.toContain('secret');
  });

  it('logs only what the server did wrong', () => {
    expect(toOpenAiError(new InvalidRequestError('bad', null)).unexpected).toBe(false);
    expect(toOpenAiError(new Error('boom')).unexpected).toBe(true);
  });
});
