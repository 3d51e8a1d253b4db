import { ArtifactIntegrityError, ArtifactWriter, openArtifact, type ArtifactStore } from '@tuneforge/storage';
import { z } from 'zod';
import { Bm25Index } from '../bm25/bm25-index';
import { PassageVectors } from '../passage-vectors';
import { RetrievalIndex } from '../retrieval-index';

export const RETRIEVAL_INDEX_ARTIFACT_KIND = 'retrieval-index';
export const BM25_FILE = 'bm25.json';
export const VECTORS_FILE = 'vectors.f32';

/** Sizes and settings readers need before opening files; the caller's own metadata rides along. */
const indexMetadataSchema = z.looseObject({
  passages: z.number().int().nonnegative(),
  embeddings: z.strictObject({ model: z.string().min(1), dimensions: z.number().int().positive() }).optional(),
});

/**
 * Writes an index as a multi-file artifact: `bm25.json` (passages, their sources and offsets, BM25
 * postings and parameters), `vectors.f32` when the index has vectors, then the manifest, which commits
 * it. Create-only like every artifact; `replaceUncommitted` is for a caller that owns the prefix (the
 * retry of its own task).
 */
export async function writeIndexArtifact(
  store: ArtifactStore,
  prefix: string,
  index: RetrievalIndex,
  options: { metadata?: Record<string, unknown>; replaceUncommitted?: boolean } = {},
): Promise<void> {
  const metadata = {
    ...options.metadata,
    passages: index.bm25.size,
    ...(index.vectors && { embeddings: { model: index.vectors.model, dimensions: index.vectors.dimensions } }),
  };
  const writer = await ArtifactWriter.begin(store, prefix, { kind: RETRIEVAL_INDEX_ARTIFACT_KIND, metadata, replaceUncommitted: options.replaceUncommitted });
  await writer.addFile(BM25_FILE, JSON.stringify(index.bm25.toJSON()), { contentType: 'application/json' });
  if (index.vectors) await writer.addFile(VECTORS_FILE, index.vectors.toBuffer(), { contentType: 'application/octet-stream' });
  await writer.commit();
}

/**
 * Loads a committed index artifact (ArtifactNotCommittedError when there is none at the prefix). Every
 * file is checked against the manifest's digest while it is read, and an artifact of another kind, or
 * whose files disagree with its metadata, is refused with ArtifactIntegrityError.
 */
export async function loadIndexArtifact(store: ArtifactStore, prefix: string): Promise<RetrievalIndex> {
  const artifact = await openArtifact(store, prefix);
  if (artifact.manifest.kind !== RETRIEVAL_INDEX_ARTIFACT_KIND) {
    throw new ArtifactIntegrityError(artifact.prefix, `it is a '${artifact.manifest.kind}' artifact, not a ${RETRIEVAL_INDEX_ARTIFACT_KIND}`);
  }
  const metadata = indexMetadataSchema.safeParse(artifact.manifest.metadata ?? {});
  if (!metadata.success) throw new ArtifactIntegrityError(artifact.prefix, `its manifest metadata is not a retrieval index's: ${metadata.error.issues[0].path.join('.')}`);
  let bm25: Bm25Index;
  try {
    bm25 = Bm25Index.fromJSON(JSON.parse((await artifact.readFile(BM25_FILE)).toString('utf8')));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof TypeError) throw new ArtifactIntegrityError(artifact.prefix, `${BM25_FILE}: ${error.message}`);
    throw error;
  }
  if (bm25.size !== metadata.data.passages) throw new ArtifactIntegrityError(artifact.prefix, `${BM25_FILE} holds ${bm25.size} passages, the manifest says ${metadata.data.passages}`);
  const embeddings = metadata.data.embeddings;
  if (!embeddings) return new RetrievalIndex(bm25);
  const vectors = PassageVectors.fromBuffer(embeddings.model, embeddings.dimensions, await artifact.readFile(VECTORS_FILE));
  if (vectors.count !== bm25.size) throw new ArtifactIntegrityError(artifact.prefix, `${VECTORS_FILE} holds ${vectors.count} vectors for ${bm25.size} passages`);
  return new RetrievalIndex(bm25, vectors);
}
