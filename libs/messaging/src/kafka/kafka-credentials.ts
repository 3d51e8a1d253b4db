import type { SASLOptions } from 'kafkajs';

/** The SASL mechanisms a Tuneforge client may log in with; SCRAM-SHA-512 is what infra/ and k8s/ set up. */
const MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
type Mechanism = (typeof MECHANISMS)[number];

export interface KafkaConnectionSecurity {
  sasl?: SASLOptions;
  /** TLS to the brokers (a deployment's TLS listener); the system's CA bundle is trusted. */
  ssl?: boolean;
}

/** A Kafka credential setting that cannot work: said at boot, with the variable's name, never at the first message. */
export class KafkaCredentialsError extends Error {
  override readonly name = 'KafkaCredentialsError';
}

/**
 * How a service authenticates to Kafka, from its environment:
 *   TF_KAFKA_SASL_USERNAME, TF_KAFKA_SASL_PASSWORD  the service's user (both or neither);
 *   TF_KAFKA_SASL_MECHANISM                         scram-sha-512 (default), scram-sha-256 or plain;
 *   TF_KAFKA_SSL                                    true for a TLS listener (default false).
 * Neither user nor password: no SASL (the local development listener). The password never appears in errors.
 */
export function kafkaSecurityFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): KafkaConnectionSecurity {
  const value = (name: string) => (env[name]?.trim() ? env[name] : undefined);
  const username = value('TF_KAFKA_SASL_USERNAME');
  const password = value('TF_KAFKA_SASL_PASSWORD');
  const mechanism = (value('TF_KAFKA_SASL_MECHANISM') ?? 'scram-sha-512').toLowerCase();
  const ssl = value('TF_KAFKA_SSL');
  if (ssl !== undefined && ssl !== 'true' && ssl !== 'false') throw new KafkaCredentialsError(`TF_KAFKA_SSL: must be 'true' or 'false'`);
  const security: KafkaConnectionSecurity = ssl === 'true' ? { ssl: true } : {};
  if (username === undefined && password === undefined) {
    if (value('TF_KAFKA_SASL_MECHANISM')) throw new KafkaCredentialsError('TF_KAFKA_SASL_MECHANISM is set but TF_KAFKA_SASL_USERNAME and TF_KAFKA_SASL_PASSWORD are not');
    return security;
  }
  if (username === undefined) throw new KafkaCredentialsError('TF_KAFKA_SASL_USERNAME: required when TF_KAFKA_SASL_PASSWORD is set');
  if (password === undefined) throw new KafkaCredentialsError('TF_KAFKA_SASL_PASSWORD: required when TF_KAFKA_SASL_USERNAME is set');
  if (!MECHANISMS.includes(mechanism as Mechanism)) throw new KafkaCredentialsError(`TF_KAFKA_SASL_MECHANISM: must be one of ${MECHANISMS.join(', ')}, got '${mechanism}'`);
  return { ...security, sasl: { mechanism: mechanism as Mechanism, username, password } as SASLOptions };
}
