import type { ArtifactStore } from './artifact-store';
import { manifestKey, normalizeArtifactPrefix } from './artifact-manifest';

/**
 * Deletes a multi-file artifact. The manifest goes first: from that moment readers no longer see the artifact
 * (openArtifact and listCommittedArtifacts refuse it), so a delete interrupted half-way leaves uncommitted files,
 * never a committed artifact with files missing. Idempotent: deleting what is gone succeeds.
 */
export async function deleteArtifact(store: ArtifactStore, prefix: string): Promise<void> {
  const normalized = normalizeArtifactPrefix(prefix);
  await store.delete(manifestKey(normalized));
  for await (const entry of store.list(`${normalized}/`)) await store.delete(entry.key);
}
