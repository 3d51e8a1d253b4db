import OpenAI from 'openai';
import type { EmbeddingsEndpoint } from '../config/evaluator-config';

/** Texts per embeddings request. */
const BATCH = 64;

/** Cosine similarity of two vectors; 0 when either is all zeros (nothing to compare). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`embeddings of different sizes (${a.length} and ${b.length}) cannot be compared`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Cosine similarity between each hypothesis and its reference, embedded by the configured
 * OpenAI-compatible endpoint. Cosine is in [-1, 1]; it is clamped at 0 so the metric stays in [0, 1]
 * like the other similarity metrics (opposite meanings are as wrong as unrelated ones).
 */
export async function semanticSimilarities(endpoint: EmbeddingsEndpoint, hypotheses: readonly string[], references: readonly string[]): Promise<number[]> {
  const client = new OpenAI({ baseURL: endpoint.baseURL, apiKey: endpoint.apiKey ?? 'none', maxRetries: 3 });
  // Empty strings are refused by some servers; a single space embeds as "nothing said".
  const texts = [...hypotheses, ...references].map((text) => (text.length === 0 ? ' ' : text));
  const vectors: number[][] = [];
  for (let start = 0; start < texts.length; start += BATCH) {
    const response = await client.embeddings.create({ model: endpoint.model, input: texts.slice(start, start + BATCH), encoding_format: 'float' });
    const ordered = [...response.data].sort((a, b) => a.index - b.index);
    vectors.push(...ordered.map((item) => item.embedding));
  }
  if (vectors.length !== texts.length) throw new Error(`the embeddings endpoint returned ${vectors.length} vectors for ${texts.length} texts`);
  return hypotheses.map((_, i) => Math.max(0, cosine(vectors[i], vectors[hypotheses.length + i])));
}
