export type {
  ArtifactBody,
  ArtifactListing,
  ArtifactStat,
  ArtifactStore,
  GetBufferOptions,
  PutOptions,
  PutResult,
} from './artifact-store';
export { assertValidKey, assertValidPrefix, assertValidTenantId, TENANTS_PREFIX } from './artifact-key';
export {
  ArtifactExistsError,
  ArtifactIntegrityError,
  ArtifactNotCommittedError,
  ArtifactNotFoundError,
  ArtifactTooLargeError,
  InvalidArtifactKeyError,
  InvalidTenantIdError,
  StorageConfigError,
  StorageCredentialsExpiredError,
  StorageError,
  StorageUnavailableError,
  type StorageErrorCode,
} from './errors';
export { FilesystemArtifactStore } from './filesystem-artifact-store';
export { MinioArtifactStore, type MinioArtifactStoreOptions } from './minio-artifact-store';
export { DEFAULT_ARTIFACT_DIR, loadStorageConfig, storageConfigEnv, type StorageConfig, type StorageEnv } from './storage-config';
export { createArtifactStore, createArtifactStoreFromEnv, storageEnvOf } from './create-artifact-store';
export {
  MANIFEST_FILE_NAME,
  artifactManifestSchema,
  type ArtifactFileEntry,
  type ArtifactManifest,
} from './artifact-manifest';
export { ArtifactWriter, type BeginArtifactOptions } from './artifact-writer';
export { commitLocalDirectory } from './commit-local-directory';
export { deleteArtifact } from './delete-artifact';
export { downloadArtifact } from './download-artifact';
export { CommittedArtifact, openArtifact } from './committed-artifact';
export { listCommittedArtifacts, type CommittedArtifactRef } from './list-committed-artifacts';
export { DatabaseModelRecords, ModelNameTakenError, modelRecordSchema, type ModelRecord, type ModelRecords } from './model-records';
export { ModelRegistry, type KnownModel } from './model-registry';
export { OPERATOR_SCOPE, operatorScope } from './tenant-scoped-artifact-store';
export {
  MAX_CREDENTIAL_SECONDS,
  MIN_CREDENTIAL_SECONDS,
  mintScopedCredentials,
  runScopePolicy,
  type RunStorageScope,
  type ScopedCredentials,
} from './run-credentials';
