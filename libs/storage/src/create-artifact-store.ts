import type { ArtifactStore } from './artifact-store';
import { FilesystemArtifactStore } from './filesystem-artifact-store';
import { MinioArtifactStore } from './minio-artifact-store';
import { StorageConfigError } from './errors';
import { loadStorageConfig, storageConfigEnv, type StorageConfig, type StorageEnv } from './storage-config';

export function createArtifactStore(config: StorageConfig): ArtifactStore {
  switch (config.driver) {
    case 'minio':
      return new MinioArtifactStore(config);
    case 'filesystem':
      return new FilesystemArtifactStore(config.artifactDir);
  }
}

/** The one way services obtain their store: TF_STORAGE_DRIVER picks the driver, the rest configures it. */
export function createArtifactStoreFromEnv(env: StorageEnv = process.env): ArtifactStore {
  return createArtifactStore(loadStorageConfig(env));
}

/**
 * The environment with which createArtifactStoreFromEnv, in another process, opens this very store (the
 * training pod the trainer starts): the settings the store was made with, whichever environment (or none)
 * made it. Only a driver's own store has them; any other (a tenant's view, a test double) is refused.
 */
export function storageEnvOf(store: ArtifactStore): Record<string, string> {
  if (store instanceof FilesystemArtifactStore || store instanceof MinioArtifactStore) return storageConfigEnv(store.storageConfig());
  throw new StorageConfigError(`another process cannot open this artifact store (${store.constructor.name}): only a filesystem or MinIO store can be shared`);
}
