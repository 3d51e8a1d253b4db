import type { PayloadOf, retrievalIndexRequestedV1 } from '@tuneforge/contracts';
import { DocumentError, MAX_DOCUMENT_BYTES, type DocumentInput } from '@tuneforge/retrieval-kit';
import { ArtifactNotFoundError, ArtifactTooLargeError, type ArtifactStore } from '@tuneforge/storage';

type DocumentRef = PayloadOf<typeof retrievalIndexRequestedV1>['documents'][number];

/**
 * What one indexing task may pull from the store in all (issue #18): 1000 documents of 32 MiB each would hold 32 GiB
 * in a worker. Documents past the budget are refused by name; those before it are indexed.
 */
export const MAX_TASK_DOCUMENT_BYTES = 256 * 1024 * 1024;

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
export async function readStoredDocuments(store: ArtifactStore, documents: readonly DocumentRef[], budget: number = MAX_TASK_DOCUMENT_BYTES): Promise<StoredDocuments> {
  const inputs: StoredDocuments['inputs'] = [];
  const errors: DocumentError[] = [];
  let pulled = 0;
  for (const ref of documents) {
    try {
      // Sized before it is read: a document that would take the task past its budget is not fetched at all.
      const { size } = await store.stat(ref.key);
      if (size <= MAX_DOCUMENT_BYTES && pulled + size > budget) {
        errors.push(new DocumentError({ code: 'too_large', source: ref.key, field: '', expected: `documents of at most ${budget} bytes in all for one task`, received: `${pulled + size} bytes with this one` }));
        continue;
      }
      const bytes = await store.getBuffer(ref.key, { maxBytes: MAX_DOCUMENT_BYTES });
      pulled += bytes.length;
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
