import type { ArtifactStore } from './artifact-store';
import { FilesystemArtifactStore } from './filesystem-artifact-store';
import { MinioArtifactStore } from './minio-artifact-store';
import { loadStorageConfig, type StorageConfig, type StorageEnv } from './storage-config';

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
