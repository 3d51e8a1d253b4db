import { ArtifactWriter, MANIFEST_FILE_NAME, type ArtifactStore } from '@tuneforge/storage';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

// Downloading a committed artifact is shared with the evaluator, so it lives in libs/storage.
export { downloadArtifact } from '@tuneforge/storage';

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
  }
  return out.sort();
}

/**
 * Uploads every file of a local directory as one artifact committed by manifest. A prefix that is already
 * committed is left as it is (an earlier attempt of this run finished it); files an interrupted attempt left
 * without a manifest are replaced (the run owns its prefixes).
 */
export async function uploadDirectory(
  store: ArtifactStore,
  prefix: string,
  dir: string,
  kind: string,
  metadata?: Record<string, unknown>,
): Promise<'written' | 'already-committed'> {
  if (await store.exists(`${prefix}/${MANIFEST_FILE_NAME}`)) return 'already-committed';
  const writer = await ArtifactWriter.begin(store, prefix, { kind, metadata, replaceUncommitted: true });
  for (const path of await listFiles(dir)) {
    await writer.addFile(path, createReadStream(join(dir, ...path.split('/'))));
  }
  await writer.commit();
  return 'written';
}
