import { ConfigError, loadServiceConfig } from '@tuneforge/service-kit';
import { embeddingsEndpoint, evaluatorEnvSchema } from './evaluator-config';

describe('evaluator configuration', () => {
  it('needs nothing: without an embeddings endpoint semantic similarity is simply not computed', () => {
    const config = loadServiceConfig(evaluatorEnvSchema, {});
    expect(embeddingsEndpoint(config)).toBeUndefined();
    expect(config.TF_EVAL_THREADS).toBe(0);
    // Models are served as the inference service serves them by default: 16 sequences decoded together, 4096 tokens each.
    expect([config.TF_EVAL_MAX_SEQUENCES, config.TF_EVAL_MAX_CONTEXT]).toEqual([16, 4096]);
    expect(() => loadServiceConfig(evaluatorEnvSchema, { TF_EVAL_MAX_SEQUENCES: '0' })).toThrow(/TF_EVAL_MAX_SEQUENCES/);
  });

  it('reads the embeddings endpoint and refuses a base URL without a model, naming the variable', () => {
    const config = loadServiceConfig(evaluatorEnvSchema, { TF_EVAL_EMBEDDINGS_BASE_URL: 'http://127.0.0.1:8080/v1', TF_EVAL_EMBEDDINGS_MODEL: 'bge-small', TF_EVAL_THREADS: '4' });
    expect(embeddingsEndpoint(config)).toEqual({ baseURL: 'http://127.0.0.1:8080/v1', model: 'bge-small' });
    expect(config.TF_EVAL_THREADS).toBe(4);
    expect(() => loadServiceConfig(evaluatorEnvSchema, { TF_EVAL_EMBEDDINGS_BASE_URL: 'http://127.0.0.1:8080/v1' })).toThrow(/TF_EVAL_EMBEDDINGS_MODEL/);
    expect(() => loadServiceConfig(evaluatorEnvSchema, { TF_EVAL_EMBEDDINGS_BASE_URL: 'ftp://example.com' })).toThrow(ConfigError);
  });

  it('refuses a takeover delay shorter than three heartbeats (a slow beat would look like a dead instance)', () => {
    const config = loadServiceConfig(evaluatorEnvSchema, {});
    expect([config.TF_EVAL_HEARTBEAT_MS, config.TF_EVAL_TAKEOVER_AFTER_MS]).toEqual([15_000, 120_000]);
    expect(() => loadServiceConfig(evaluatorEnvSchema, { TF_EVAL_HEARTBEAT_MS: '1000', TF_EVAL_TAKEOVER_AFTER_MS: '2000' })).toThrow(/TF_EVAL_TAKEOVER_AFTER_MS: at least 3 × TF_EVAL_HEARTBEAT_MS/);
  });
});
