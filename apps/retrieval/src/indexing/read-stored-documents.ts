import type { PayloadOf, retrievalIndexRequestedV1 } from '@tuneforge/contracts';
import { DocumentError, MAX_DOCUMENT_BYTES, type DocumentInput } from '@tuneforge/retrieval-kit';
import { ArtifactNotFoundError, ArtifactTooLargeError, type ArtifactStore } from '@tuneforge/storage';

type DocumentRef = PayloadOf<typeof retrievalIndexRequestedV1>['documents'][number];

export interface StoredDocuments {
  inputs: Array<DocumentInput & { key: string }>;
  /** Documents that are not in the store or are too big to index. */
  errors: DocumentError[];
}

/**
 * Fetches the documents a task names from the tenant's store, the way datagen fetches an uploaded
 * training file: by the key the gateway stored it under. A missing or oversized document is the user's
 * error for that document only (the others are still indexed); a store that cannot be reached propagates
 * (retriable). Passages cite a document by the name it was uploaded under when the task gives it.
 */
export async function readStoredDocuments(store: ArtifactStore, documents: readonly DocumentRef[]): Promise<StoredDocuments> {
  const inputs: StoredDocuments['inputs'] = [];
  const errors: DocumentError[] = [];
  for (const ref of documents) {
    try {
      const bytes = await store.getBuffer(ref.key, { maxBytes: MAX_DOCUMENT_BYTES });
      inputs.push({ key: ref.key, source: ref.filename ?? ref.key, bytes, ...(ref.format && { format: ref.format }), ...(ref.filename && { filename: ref.filename }) });
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) {
        errors.push(new DocumentError({ code: 'not_found', source: ref.key, field: '', expected: 'an uploaded file at this key', received: 'no such file' }));
      } else if (error instanceof ArtifactTooLargeError) {
        errors.push(new DocumentError({ code: 'too_large', source: ref.key, field: '', expected: `a document of at most ${MAX_DOCUMENT_BYTES} bytes` }));
      } else {
        throw error;
      }
    }
  }
  return { inputs, errors };
}
