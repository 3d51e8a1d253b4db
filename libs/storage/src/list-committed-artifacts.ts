import { assertValidPrefix } from './artifact-key';
import type { ArtifactStore } from './artifact-store';
import { MANIFEST_FILE_NAME } from './artifact-manifest';

export interface CommittedArtifactRef {
  /** Pass to openArtifact() to read it. */
  prefix: string;
  /** When its manifest was written. */
  committedAt: Date;
}

const MANIFEST_SUFFIX = `/${MANIFEST_FILE_NAME}`;

/**
 * The committed artifacts under `prefix`, nested ones included: exactly those with a MANIFEST.json.
 * Files of unfinished artifacts are never reported.
 */
export async function* listCommittedArtifacts(store: ArtifactStore, prefix = ''): AsyncIterable<CommittedArtifactRef> {
  assertValidPrefix(prefix);
  for await (const entry of store.list(prefix)) {
    if (entry.key.endsWith(MANIFEST_SUFFIX)) {
      yield { prefix: entry.key.slice(0, -MANIFEST_SUFFIX.length), committedAt: entry.lastModified };
    }
  }
}
