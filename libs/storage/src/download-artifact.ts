import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactManifest } from './artifact-manifest';
import type { ArtifactStore } from './artifact-store';
import { openArtifact } from './committed-artifact';

/**
 * Copies a committed multi-file artifact (a model directory, a checkpoint, a dataset) into `dir`, each
 * file verified against its manifest entry while it streams. Files are created exclusively: `dir` must
 * not already hold them. An uncommitted prefix is ArtifactNotCommittedError, before anything is written.
 */
export async function downloadArtifact(store: ArtifactStore, prefix: string, dir: string): Promise<ArtifactManifest> {
  const artifact = await openArtifact(store, prefix);
  await mkdir(dir, { recursive: true });
  for (const file of artifact.manifest.files) {
    const target = join(dir, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await pipeline(await artifact.openFile(file.path), createWriteStream(target, { flags: 'wx' }));
  }
  return artifact.manifest;
}
