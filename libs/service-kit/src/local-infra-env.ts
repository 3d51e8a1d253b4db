/**
 * The Kafka and MinIO that `infra/up.sh` starts on loopback, as service environment variables:
 * what `npm run start:distributed` and the distributed-mode tests connect to unless the environment
 * names other ones (any TF_* variable set in `env` wins).
 */
export const LOCAL_INFRA_DEFAULTS: Readonly<Record<string, string>> = {
  TF_MODE: 'distributed',
  TF_KAFKA_BROKERS: '127.0.0.1:9092',
  TF_STORAGE_DRIVER: 'minio',
  TF_S3_ENDPOINT: 'http://127.0.0.1:9000',
  TF_S3_ACCESS_KEY: 'tuneforge',
  TF_S3_SECRET_KEY: 'tuneforge-dev-secret',
  TF_S3_BUCKET: 'tuneforge',
  TF_DATABASE_URL: 'postgres://tuneforge:tuneforge-dev-secret@127.0.0.1:5432/tuneforge',
  // The development key, as in embedded mode; a real deployment sets its own keys.
  TF_API_KEYS: 'tf-dev-key:default',
};

export function localInfraEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const configured = Object.entries(env).filter(
    (entry): entry is [string, string] => (entry[0].startsWith('TF_') || entry[0].startsWith('OTEL_')) && entry[1] !== undefined,
  );
  return { ...LOCAL_INFRA_DEFAULTS, ...Object.fromEntries(configured) };
}
