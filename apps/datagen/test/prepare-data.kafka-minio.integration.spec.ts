import { ALL_TOPICS } from '@tuneforge/contracts';
import { KafkaMessageBus, StoreIdempotencyStore } from '@tuneforge/messaging';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { DatagenHarness, describePreparationScenario, quietLogger } from './prepare-data-scenario';

/** Distributed mode against the Kafka and MinIO that `infra/up.sh` starts; fails (never skips) without them. */
const brokers = (process.env.TF_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const storeEnv = {
  TF_STORAGE_DRIVER: 'minio',
  TF_S3_ENDPOINT: process.env.TF_S3_ENDPOINT ?? 'http://127.0.0.1:9000',
  TF_S3_ACCESS_KEY: process.env.TF_S3_ACCESS_KEY ?? 'tuneforge',
  TF_S3_SECRET_KEY: process.env.TF_S3_SECRET_KEY ?? 'tuneforge-dev-secret',
  TF_S3_BUCKET: process.env.TF_S3_BUCKET ?? 'tuneforge',
};

describe('datagen prepares data over Kafka with artifacts in MinIO', () => {
  describePreparationScenario(async () => {
    const store = createArtifactStoreFromEnv(storeEnv);
    const bus = new KafkaMessageBus({ brokers, clientId: 'datagen-it', logger: quietLogger, idempotency: new StoreIdempotencyStore(store) });
    await bus.ensureTopics(ALL_TOPICS);
    return new DatagenHarness(bus, store);
  });
});
