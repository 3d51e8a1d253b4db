import { kafkaSecurityFromEnv, KafkaCredentialsError } from './kafka-credentials';

describe('kafkaSecurityFromEnv', () => {
  it('is nothing without credentials (the development listener)', () => {
    expect(kafkaSecurityFromEnv({})).toEqual({});
    expect(kafkaSecurityFromEnv({ TF_KAFKA_SASL_USERNAME: ' ', TF_KAFKA_SSL: 'false' })).toEqual({});
  });

  it('logs in with SCRAM-SHA-512 unless told otherwise, over TLS when asked', () => {
    expect(kafkaSecurityFromEnv({ TF_KAFKA_SASL_USERNAME: 'trainer', TF_KAFKA_SASL_PASSWORD: 'pw' })).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'trainer', password: 'pw' } });
    expect(kafkaSecurityFromEnv({ TF_KAFKA_SASL_USERNAME: 'u', TF_KAFKA_SASL_PASSWORD: 'p', TF_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', TF_KAFKA_SSL: 'true' })).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' },
    });
  });

  it('names the variable that is wrong, never the password', () => {
    const refused = (env: Record<string, string>) => () => kafkaSecurityFromEnv(env);
    expect(refused({ TF_KAFKA_SASL_PASSWORD: 'secret-pw' })).toThrow(/TF_KAFKA_SASL_USERNAME: required/);
    expect(refused({ TF_KAFKA_SASL_USERNAME: 'u' })).toThrow(/TF_KAFKA_SASL_PASSWORD: required/);
    expect(refused({ TF_KAFKA_SASL_USERNAME: 'u', TF_KAFKA_SASL_PASSWORD: 'secret-pw', TF_KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/TF_KAFKA_SASL_MECHANISM: must be one of/);
    expect(refused({ TF_KAFKA_SASL_MECHANISM: 'plain' })).toThrow(KafkaCredentialsError);
    expect(refused({ TF_KAFKA_SSL: 'yes' })).toThrow(/TF_KAFKA_SSL/);
    try {
      kafkaSecurityFromEnv({ TF_KAFKA_SASL_USERNAME: 'u', TF_KAFKA_SASL_PASSWORD: 'secret-pw', TF_KAFKA_SASL_MECHANISM: 'gssapi' });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-pw');
    }
  });
});
