/** Turns texts into vectors; one model per index, so its name is kept with the vectors. */
export interface Embedder {
  readonly model: string;
  /** One vector per text, in order, all of the same length. */
  embed(texts: readonly string[]): Promise<number[][]>;
}

/** The endpoint failed (after the client's retries) or answered something that is not embeddings. */
export class EmbeddingsEndpointError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EmbeddingsEndpointError';
  }
}

/** Scales a vector to length 1, so that a dot product is the cosine similarity. A zero vector stays zero. */
export function normalize(vector: readonly number[]): number[] {
  const length = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return length === 0 ? vector.map(() => 0) : vector.map((x) => x / length);
}
