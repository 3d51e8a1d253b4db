import { Bm25Index, DEFAULT_BM25, assertValidParameters, type Bm25Parameters } from './bm25/bm25-index';
import { DEFAULT_CHUNKING, assertValidChunking, chunkDocument, type ChunkingOptions } from './chunking/chunk-document';
import type { Passage } from './chunking/passage';
import type { DocumentError } from './documents/document-error';
import { readDocument, type DocumentInput } from './documents/read-document';
import type { DocumentFormat } from './documents/source-document';
import type { Embedder } from './embeddings/embedder';
import { PassageVectors } from './passage-vectors';
import { RetrievalIndex } from './retrieval-index';

export interface BuildIndexOptions {
  chunking?: ChunkingOptions;
  bm25?: Bm25Parameters;
  /** Given: every passage is embedded too, and the index ranks hybrid when queried with the same model. */
  embedder?: Embedder;
}

/** What became of one document. */
export interface IndexedDocument {
  source: string;
  format: DocumentFormat;
  passages: number;
}

export interface BuiltIndex {
  /** Undefined when no document could be read: there is nothing to search. */
  index?: RetrievalIndex;
  documents: IndexedDocument[];
  /** Errors of the documents that were left out; the others are indexed. */
  errors: DocumentError[];
  chunking: ChunkingOptions;
  bm25: Bm25Parameters;
}

/**
 * Reads, chunks and indexes documents. A document that cannot be read is left out with its errors and
 * the rest are indexed: one bad upload does not cost the user the others. Passages keep document order,
 * so the same documents and options always build the same index.
 */
export async function buildRetrievalIndex(inputs: readonly DocumentInput[], options: BuildIndexOptions = {}): Promise<BuiltIndex> {
  const chunking = options.chunking ?? DEFAULT_CHUNKING;
  const bm25 = options.bm25 ?? DEFAULT_BM25;
  assertValidChunking(chunking);
  assertValidParameters(bm25);
  const passages: Passage[] = [];
  const documents: IndexedDocument[] = [];
  const errors: DocumentError[] = [];
  for (const input of inputs) {
    const read = readDocument(input);
    if (!read.ok) {
      errors.push(...read.errors);
      continue;
    }
    const chunks = chunkDocument(read.document, chunking);
    passages.push(...chunks);
    documents.push({ source: read.document.source, format: read.document.format, passages: chunks.length });
  }
  if (passages.length === 0) return { documents, errors, chunking, bm25 };
  const vectors = options.embedder ? PassageVectors.fromRows(options.embedder.model, await options.embedder.embed(passages.map((p) => p.text))) : undefined;
  return { index: new RetrievalIndex(Bm25Index.build(passages, bm25), vectors), documents, errors, chunking, bm25 };
}
