import { ALL_TOPICS } from '@tuneforge/contracts';
import { KafkaMessageBus, StoreIdempotencyStore } from '@tuneforge/messaging';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { describeTrainingScenario, quietLogger, TrainerHarness } from './training-scenario';

/** Distributed mode against the Kafka and MinIO that `infra/up.sh` starts; fails (never skips) without them. */
const brokers = process.env.TF_KAFKA_BROKERS ?? '127.0.0.1:9092';
const storeEnv = {
  TF_STORAGE_DRIVER: 'minio',
  TF_S3_ENDPOINT: process.env.TF_S3_ENDPOINT ?? 'http://127.0.0.1:9000',
  TF_S3_ACCESS_KEY: process.env.TF_S3_ACCESS_KEY ?? 'tuneforge',
  TF_S3_SECRET_KEY: process.env.TF_S3_SECRET_KEY ?? 'tuneforge-dev-secret',
  TF_S3_BUCKET: process.env.TF_S3_BUCKET ?? 'tuneforge',
};

describe('trainer and training pod over Kafka with artifacts in MinIO', () => {
  describeTrainingScenario(async () => {
    const store = createArtifactStoreFromEnv(storeEnv);
    const bus = new KafkaMessageBus({ brokers: brokers.split(','), clientId: 'trainer-it', logger: quietLogger, idempotency: new StoreIdempotencyStore(store) });
    await bus.ensureTopics(ALL_TOPICS);
    // The pod is a Kafka client of its own and reads MinIO with the same settings.
    return new TrainerHarness(bus, store, { ...storeEnv, TF_KAFKA_BROKERS: brokers });
  });
});
