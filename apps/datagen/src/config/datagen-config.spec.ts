import { ConfigError, loadServiceConfig } from '@tuneforge/service-kit';
import { datagenEnvSchema, llmSettings } from './datagen-config';

describe('datagen environment', () => {
  it('is all optional: no endpoint means template synthesis only', () => {
    const config = loadServiceConfig(datagenEnvSchema, {});
    expect(llmSettings(config)).toBeUndefined();
    expect(config.TF_SYNTH_LLM_CONCURRENCY).toBe(4);
  });

  it('reads an endpoint with its limits', () => {
    const config = loadServiceConfig(datagenEnvSchema, {
      TF_SYNTH_LLM_BASE_URL: 'http://127.0.0.1:8000/v1',
      TF_SYNTH_LLM_MODEL: 'qwen2',
      TF_SYNTH_LLM_CONCURRENCY: '8',
      TF_SYNTH_LLM_MAX_REQUESTS: '40',
    });
    expect(llmSettings(config)).toEqual({
      endpoint: { baseURL: 'http://127.0.0.1:8000/v1', model: 'qwen2', apiKey: 'none' },
      batchSize: 5,
      concurrency: 8,
      maxRequests: 40,
      retry: { maxAttempts: 5, initialBackoffMs: 500, maxBackoffMs: 20_000 },
    });
  });

  it('refuses a base URL without a model, a non-http URL and bad limits, naming the variables and hiding the key', () => {
    const load = (env: NodeJS.ProcessEnv) => () => loadServiceConfig(datagenEnvSchema, env);
    expect(load({ TF_SYNTH_LLM_BASE_URL: 'http://x/v1' })).toThrow(/TF_SYNTH_LLM_MODEL: required when TF_SYNTH_LLM_BASE_URL is set/);
    expect(load({ TF_SYNTH_LLM_BASE_URL: 'ftp://x/v1', TF_SYNTH_LLM_MODEL: 'm' })).toThrow(/TF_SYNTH_LLM_BASE_URL/);
    expect(load({ TF_SYNTH_LLM_CONCURRENCY: '0' })).toThrow(/TF_SYNTH_LLM_CONCURRENCY/);
    expect(load({ TF_SYNTH_LLM_MODEL: 'm', TF_SYNTH_LLM_API_KEY: '' })).toThrow(ConfigError);
    try {
      load({ TF_SYNTH_LLM_MODEL: 'm', TF_SYNTH_LLM_API_KEY: '' })();
    } catch (error) {
      expect((error as Error).message).toMatch(/TF_SYNTH_LLM_BASE_URL: required when TF_SYNTH_LLM_MODEL is set/);
      expect((error as Error).message).toContain('TF_SYNTH_LLM_API_KEY: ');
      expect((error as Error).message).toContain('(value hidden)');
    }
  });
});
