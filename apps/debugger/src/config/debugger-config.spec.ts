import { ConfigError, loadServiceConfig } from '@tuneforge/service-kit';
import { debuggerEnvSchema, explanationEndpoint } from './debugger-config';

describe('debugger environment', () => {
  it('is all optional: no endpoint means findings without an explanation', () => {
    expect(explanationEndpoint(loadServiceConfig(debuggerEnvSchema, {}))).toBeUndefined();
  });

  it('reads an endpoint, with a placeholder key for servers that need none', () => {
    const config = loadServiceConfig(debuggerEnvSchema, { TF_DEBUGGER_LLM_BASE_URL: 'http://127.0.0.1:8000/v1', TF_DEBUGGER_LLM_MODEL: 'qwen2', TF_DEBUGGER_LLM_TIMEOUT_MS: '5000' });
    expect(explanationEndpoint(config)).toEqual({ baseURL: 'http://127.0.0.1:8000/v1', model: 'qwen2', apiKey: 'none', timeoutMs: 5000 });
  });

  it('refuses a base URL without a model, a model without a base URL and a non-http URL, naming the variables', () => {
    const load = (env: NodeJS.ProcessEnv) => () => loadServiceConfig(debuggerEnvSchema, env);
    expect(load({ TF_DEBUGGER_LLM_BASE_URL: 'http://x/v1' })).toThrow(/TF_DEBUGGER_LLM_MODEL: required when TF_DEBUGGER_LLM_BASE_URL is set/);
    expect(load({ TF_DEBUGGER_LLM_MODEL: 'm' })).toThrow(/TF_DEBUGGER_LLM_BASE_URL: required when TF_DEBUGGER_LLM_MODEL is set/);
    expect(load({ TF_DEBUGGER_LLM_BASE_URL: 'ftp://x/v1', TF_DEBUGGER_LLM_MODEL: 'm' })).toThrow(ConfigError);
    expect(load({ TF_DEBUGGER_LLM_TIMEOUT_MS: '0' })).toThrow(/TF_DEBUGGER_LLM_TIMEOUT_MS/);
  });
});
