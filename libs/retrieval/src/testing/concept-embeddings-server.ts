import type { IncomingMessage } from 'node:http';
import { FakeJsonEndpoint } from '@tuneforge/storage/src/testing/fake-json-endpoint';
import { tokenize } from '../bm25/tokenize';

const DIMENSIONS = 512;

type EmbeddingsRequest = { model: string; input: string | string[] };

/** FNV-1a: a stable bucket for a word, the same in every run. */
function bucket(word: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < word.length; i += 1) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193) >>> 0;
  return hash % DIMENSIONS;
}

/**
 * For tests of embeddings and hybrid ranking (this library's and the retrieval service's): a real
 * OpenAI-compatible `POST /v1/embeddings` server whose model knows that some words mean the same thing.
 * Each text becomes a bag of hashed words after mapping every word through `concepts` (`refund` →
 * `reimbursement`), so a query and a passage that share a meaning but no word get similar vectors, which
 * is what dense retrieval adds to BM25. Chosen requests answer with an error status first.
 */
export class ConceptEmbeddingsServer extends FakeJsonEndpoint<EmbeddingsRequest> {
  readonly requests: Array<{ model: string; input: string[]; authorization?: string }> = [];

  constructor(private readonly concepts: Record<string, string> = {}) {
    super('/v1/embeddings');
  }

  embed(text: string): number[] {
    const vector = new Array<number>(DIMENSIONS).fill(0);
    for (const word of tokenize(text)) vector[bucket(this.concepts[word] ?? word)] += 1;
    return vector;
  }

  protected record(body: EmbeddingsRequest, request: IncomingMessage): void {
    this.requests.push({ model: body.model, input: inputs(body), authorization: request.headers.authorization });
  }

  protected answer(body: EmbeddingsRequest): unknown {
    return {
      object: 'list',
      model: body.model,
      data: inputs(body).map((t, index) => ({ object: 'embedding', index, embedding: this.embed(t) })),
      usage: { prompt_tokens: 0, total_tokens: 0 },
    };
  }
}

function inputs(body: EmbeddingsRequest): string[] {
  return typeof body.input === 'string' ? [body.input] : body.input;
}
