import OpenAI, { APIError } from 'openai';
import { EmbeddingsEndpointError, normalize, type Embedder } from './embedder';
import type { EmbeddingsEndpoint } from './embeddings-config';

/**
 * An Embedder over an OpenAI-compatible `/v1/embeddings`, through the official SDK (which retries 429,
 * 5xx and connection errors with backoff). Texts go in batches of `batchSize`; vectors come back
 * normalized to length 1 so that the index compares them by dot product. The key never appears in errors.
 */
export function createOpenAIEmbedder(endpoint: EmbeddingsEndpoint, options: { maxRetries?: number; timeoutMs?: number } = {}): Embedder {
  // The SDK refuses an empty key; servers that need none ignore the header.
  const client = new OpenAI({ baseURL: endpoint.baseURL, apiKey: endpoint.apiKey ?? 'none', maxRetries: options.maxRetries ?? 3, timeout: options.timeoutMs ?? 60_000 });
  return {
    model: endpoint.model,
    async embed(texts: readonly string[]): Promise<number[][]> {
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += endpoint.batchSize) {
        const batch = texts.slice(start, start + endpoint.batchSize);
        let response;
        try {
          response = await client.embeddings.create({ model: endpoint.model, input: batch, encoding_format: 'float' });
        } catch (error) {
          if (error instanceof APIError) throw new EmbeddingsEndpointError(`embeddings endpoint (model ${endpoint.model}): ${error.message}`.slice(0, 300), error.status);
          throw new EmbeddingsEndpointError(`embeddings endpoint (model ${endpoint.model}) unreachable: ${(error as Error).message}`.slice(0, 300));
        }
        const data = [...response.data].sort((a, b) => a.index - b.index);
        if (data.length !== batch.length || data.some((d, i) => d.index !== i || !Array.isArray(d.embedding))) {
          throw new EmbeddingsEndpointError(`embeddings endpoint (model ${endpoint.model}) answered ${data.length} embeddings for ${batch.length} inputs`);
        }
        for (const d of data) vectors.push(normalize(d.embedding));
      }
      const dimensions = vectors[0]?.length ?? 0;
      if (vectors.some((v) => v.length !== dimensions || v.length === 0)) {
        throw new EmbeddingsEndpointError(`embeddings endpoint (model ${endpoint.model}) answered vectors of different or zero lengths`);
      }
      return vectors;
    },
  };
}
