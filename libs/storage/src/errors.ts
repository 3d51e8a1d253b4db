/**
 * Every failure the artifact store reports on purpose carries a code, so that services can map it
 * exhaustively to an HTTP status or a dead-letter reason without matching on messages.
 */
export type StorageErrorCode =
  | 'ARTIFACT_EXISTS'
  | 'ARTIFACT_NOT_FOUND'
  | 'ARTIFACT_NOT_COMMITTED'
  | 'ARTIFACT_INTEGRITY'
  | 'ARTIFACT_TOO_LARGE'
  | 'INVALID_ARTIFACT_KEY'
  | 'INVALID_TENANT_ID'
  | 'STORAGE_CONFIG'
  | 'STORAGE_CREDENTIALS_EXPIRED'
  | 'STORAGE_UNAVAILABLE';

export abstract class StorageError extends Error {
  abstract readonly code: StorageErrorCode;
}

/** A create-only write found the key already taken: artifacts are immutable. */
export class ArtifactExistsError extends StorageError {
  override readonly name = 'ArtifactExistsError';
  readonly code = 'ARTIFACT_EXISTS';
  constructor(
    readonly key: string,
    detail?: string,
  ) {
    super(`artifact '${key}' already exists${detail ? `: ${detail}` : ''}; artifacts are written once and never overwritten`);
  }
}

export class ArtifactNotFoundError extends StorageError {
  override readonly name = 'ArtifactNotFoundError';
  readonly code = 'ARTIFACT_NOT_FOUND';
  constructor(readonly key: string) {
    super(`artifact '${key}' does not exist`);
  }
}

/** A multi-file artifact whose MANIFEST.json is missing: it was never finished, or is still being written. */
export class ArtifactNotCommittedError extends StorageError {
  override readonly name = 'ArtifactNotCommittedError';
  readonly code = 'ARTIFACT_NOT_COMMITTED';
  constructor(readonly prefix: string) {
    super(`artifact '${prefix}' is not committed: it has no MANIFEST.json, so its files cannot be trusted`);
  }
}

/** Stored bytes disagree with what was recorded about them (a listed file missing, a digest mismatch). */
export class ArtifactIntegrityError extends StorageError {
  override readonly name = 'ArtifactIntegrityError';
  readonly code = 'ARTIFACT_INTEGRITY';
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`artifact '${key}' failed its integrity check: ${detail}`);
  }
}

/** A whole-object read (getBuffer, getJson) of something too big to hold in memory; stream it with get(). */
export class ArtifactTooLargeError extends StorageError {
  override readonly name = 'ArtifactTooLargeError';
  readonly code = 'ARTIFACT_TOO_LARGE';
  constructor(
    readonly key: string,
    readonly limitBytes: number,
  ) {
    super(`artifact '${key}' is larger than ${limitBytes} bytes; read it as a stream with get()`);
  }
}

export class InvalidArtifactKeyError extends StorageError {
  override readonly name = 'InvalidArtifactKeyError';
  readonly code = 'INVALID_ARTIFACT_KEY';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid artifact key ${JSON.stringify(key)}: ${reason}`);
  }
}

export class InvalidTenantIdError extends StorageError {
  override readonly name = 'InvalidTenantIdError';
  readonly code = 'INVALID_TENANT_ID';
  constructor(
    readonly tenantId: string,
    reason: string,
  ) {
    super(`invalid tenant id ${JSON.stringify(tenantId)}: ${reason}`);
  }
}

/** Raised at boot so that a misconfigured service fails fast and says which variable is wrong. */
export class StorageConfigError extends StorageError {
  override readonly name = 'StorageConfigError';
  readonly code = 'STORAGE_CONFIG';
  constructor(message: string) {
    super(message);
  }
}

/**
 * The backend could not be reached or answered with a server-side failure. `retriable` is the
 * duck-typed marker that @tuneforge/messaging reads to retry instead of dead-lettering.
 */
export class StorageUnavailableError extends StorageError {
  override readonly name = 'StorageUnavailableError';
  readonly code = 'STORAGE_UNAVAILABLE';
  readonly retriable = true;
  /** The store is away, not this request wrong: consumers wait an outage out (libs/messaging `isOutage`). */
  readonly outage = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Temporary credentials (a training run's scoped keys) have expired: nothing this process can do with them
 * will succeed again. They are sized to the run's deadline, so a run that meets this has outlived it.
 */
export class StorageCredentialsExpiredError extends StorageError {
  override readonly name = 'StorageCredentialsExpiredError';
  readonly code = 'STORAGE_CREDENTIALS_EXPIRED';
  constructor(endpoint: string, key: string, s3Code: string, options?: { cause?: unknown }) {
    super(`the storage credentials for ${endpoint} have expired or are no longer valid (${s3Code} at '${key}'): they last until the run's deadline; a relaunched run gets new ones`, options);
  }
}
