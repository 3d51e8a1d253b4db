import { embeddingsEnvSchema, type EmbeddingsEnv } from '@tuneforge/retrieval-kit';

/**
 * The retrieval service's own environment variables, validated at boot with the kit's: the optional
 * OpenAI-compatible embeddings endpoint (`TF_EMBEDDINGS_BASE_URL`, `TF_EMBEDDINGS_MODEL`,
 * `TF_EMBEDDINGS_API_KEY`, `TF_EMBEDDINGS_BATCH_SIZE`). Without a base URL indexes are BM25 only.
 */
export const retrievalEnvSchema = embeddingsEnvSchema;
export type RetrievalConfig = EmbeddingsEnv;
