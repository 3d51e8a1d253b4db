import { z } from 'zod';
import { baseServiceEnvSchema, ConfigError, loadServiceConfig, requireKafkaBrokers } from './service-config';

describe('service configuration', () => {
  it('parses a complete environment', () => {
    const config = loadServiceConfig(baseServiceEnvSchema, { TF_HTTP_PORT: '8081', TF_KAFKA_BROKERS: '127.0.0.1:9092, k2:9092' });
    expect(config.TF_HTTP_PORT).toBe(8081);
    expect(config.TF_KAFKA_BROKERS).toEqual(['127.0.0.1:9092', 'k2:9092']);
    expect(config.TF_MODE).toBe('distributed');
  });

  it('names every wrong variable, with what it got', () => {
    const attempt = () => loadServiceConfig(baseServiceEnvSchema, { TF_HTTP_PORT: 'eighty', TF_KAFKA_BROKERS: 'localhost' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/TF_HTTP_PORT: .*\(got "eighty"\)/);
    expect(attempt).toThrow(/TF_KAFKA_BROKERS.*host:port/);
  });

  it('never prints the value of a secret variable', () => {
    const schema = baseServiceEnvSchema.extend({ TF_API_KEYS: baseServiceEnvSchema.shape.TF_HTTP_HOST.pipe(z.string().regex(/^\w+:\w+$/)) });
    expect(() => loadServiceConfig(schema, { TF_HTTP_PORT: '1', TF_API_KEYS: 'sk-very-secret' })).toThrow(/TF_API_KEYS: .*\(value hidden\)/);
    expect(() => loadServiceConfig(schema, { TF_HTTP_PORT: '1', TF_API_KEYS: 'sk-very-secret' })).not.toThrow(/sk-very-secret/);
  });

  it('says a missing variable is not set', () => {
    expect(() => loadServiceConfig(baseServiceEnvSchema, {})).toThrow(/TF_HTTP_PORT: .*\(not set\)/);
  });

  it('requires brokers in distributed mode', () => {
    const config = loadServiceConfig(baseServiceEnvSchema, { TF_HTTP_PORT: '1' });
    expect(() => requireKafkaBrokers(config)).toThrow(/TF_KAFKA_BROKERS: required in distributed mode/);
  });
});
