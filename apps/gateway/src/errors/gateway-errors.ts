/**
 * Failures the gateway reports on purpose. Each carries a code, so the exception filter maps them to
 * HTTP exhaustively, without matching on messages.
 */
export type GatewayErrorCode = 'INVALID_REQUEST' | 'MISSING_API_KEY' | 'INVALID_API_KEY' | 'PERMISSION_DENIED' | 'NOT_FOUND' | 'UPLOAD_TOO_LARGE' | 'RATE_LIMITED' | 'QUOTA_EXCEEDED' | 'CONFLICT' | 'UPSTREAM_UNAVAILABLE';

export abstract class GatewayError extends Error {
  abstract readonly code: GatewayErrorCode;
}

/** The request is wrong; `param` names the field at fault (dotted for nested JSON), null when none is. */
export class InvalidRequestError extends GatewayError {
  override readonly name = 'InvalidRequestError';
  readonly code = 'INVALID_REQUEST';
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
  }
}

export class MissingApiKeyError extends GatewayError {
  override readonly name = 'MissingApiKeyError';
  readonly code = 'MISSING_API_KEY';
  constructor() {
    super("You didn't provide an API key. Send it in the Authorization header as 'Authorization: Bearer YOUR_KEY'.");
  }
}

export class InvalidApiKeyError extends GatewayError {
  override readonly name = 'InvalidApiKeyError';
  readonly code = 'INVALID_API_KEY';
  constructor() {
    super('Incorrect API key provided.');
  }
}

/** The key is valid but may not do this (an operator-wide change with a tenant's key); `param` names the field asking for it. */
export class PermissionDeniedError extends GatewayError {
  override readonly name = 'PermissionDeniedError';
  readonly code = 'PERMISSION_DENIED';
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
  }
}

/** Also what a tenant gets for another tenant's object: its existence is not revealed. */
export class ObjectNotFoundError extends GatewayError {
  override readonly name = 'ObjectNotFoundError';
  readonly code = 'NOT_FOUND';
  constructor(
    readonly objectType: string,
    readonly id: string,
    readonly param: string | null = 'id',
  ) {
    super(`No such ${objectType} object: ${id}`);
  }
}

export class UploadTooLargeError extends GatewayError {
  override readonly name = 'UploadTooLargeError';
  readonly code = 'UPLOAD_TOO_LARGE';
  constructor(readonly limitBytes: number) {
    super(`The file is larger than the ${limitBytes} bytes this server accepts.`);
  }
}

export class RateLimitedError extends GatewayError {
  override readonly name = 'RateLimitedError';
  readonly code = 'RATE_LIMITED';
  constructor(
    readonly limitPerMinute: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`Rate limit reached: ${limitPerMinute} requests per minute for this API key. Try again in ${retryAfterSeconds} s.`);
  }
}

/** A tenant's quota (concurrent jobs, stored bytes, trained tokens per day) would be exceeded; the message names it, its limit and the usage. */
export class QuotaExceededError extends GatewayError {
  override readonly name = 'QuotaExceededError';
  readonly code = 'QUOTA_EXCEEDED';
  constructor(
    readonly quota: string,
    readonly limit: number,
    readonly usage: number,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** The request conflicts with what already happened (an approval answered before). */
export class ConflictError extends GatewayError {
  override readonly name = 'ConflictError';
  readonly code = 'CONFLICT';
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
  }
}

/** A service the gateway routes to (the inference service) is not configured or cannot be reached. */
export class UpstreamUnavailableError extends GatewayError {
  override readonly name = 'UpstreamUnavailableError';
  readonly code = 'UPSTREAM_UNAVAILABLE';
}
