import { loadServiceConfig } from '@tuneforge/service-kit';
import { embeddingsEndpointFromEnv } from '@tuneforge/retrieval-kit';
import { retrievalEnvSchema } from './retrieval-config';

describe('retrieval configuration', () => {
  it('is BM25 only without an embeddings endpoint, and reads the endpoint when one is given', () => {
    expect(embeddingsEndpointFromEnv(loadServiceConfig(retrievalEnvSchema, {}))).toBeUndefined();
    const config = loadServiceConfig(retrievalEnvSchema, { TF_EMBEDDINGS_BASE_URL: 'http://127.0.0.1:8000/v1', TF_EMBEDDINGS_MODEL: 'bge-small', TF_EMBEDDINGS_BATCH_SIZE: '16' });
    expect(embeddingsEndpointFromEnv(config)).toEqual({ baseURL: 'http://127.0.0.1:8000/v1', model: 'bge-small', batchSize: 16 });
  });

  it('refuses a base URL without a model, naming the variable', () => {
    expect(() => loadServiceConfig(retrievalEnvSchema, { TF_EMBEDDINGS_BASE_URL: 'http://127.0.0.1:8000/v1' })).toThrow(/TF_EMBEDDINGS_MODEL/);
    expect(() => loadServiceConfig(retrievalEnvSchema, { TF_EMBEDDINGS_BASE_URL: 'ftp://x', TF_EMBEDDINGS_MODEL: 'm' })).toThrow(/TF_EMBEDDINGS_BASE_URL/);
  });
});
