import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactStore } from './artifact-store';
import { ArtifactWriter, type BeginArtifactOptions } from './artifact-writer';

/**
 * Uploads the files of a local directory (not its subdirectories: model and checkpoint directories
 * are flat) as one committed artifact under `prefix`, streamed file by file. Returns the prefix.
 */
export async function commitLocalDirectory(store: ArtifactStore, prefix: string, dir: string, options: BeginArtifactOptions): Promise<string> {
  const writer = await ArtifactWriter.begin(store, prefix, options);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) await writer.addFile(entry.name, createReadStream(join(dir, entry.name)));
  }
  await writer.commit();
  return writer.prefix;
}
