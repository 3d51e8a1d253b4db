import { ALL_TOPICS } from '@tuneforge/contracts';
import { KafkaMessageBus, StoreIdempotencyStore } from '@tuneforge/messaging';
import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { describeJobScenario, JobHarness, quietLogger } from './job-scenario';

/** Distributed mode against the Kafka and MinIO that `infra/up.sh` starts; fails (never skips) without them. */

const storeEnv = localInfraEnv();

describe('orchestrator, datagen and trainer over Kafka with artifacts in MinIO', () => {
  describeJobScenario(async () => {
    const store = createArtifactStoreFromEnv(storeEnv);
    const bus = new KafkaMessageBus({ brokers: storeEnv.TF_KAFKA_BROKERS.split(','), clientId: 'orchestrator-it', logger: quietLogger, idempotency: new StoreIdempotencyStore(store) });
    await bus.ensureTopics(ALL_TOPICS);
    // The pod is a Kafka client of its own and reads MinIO with the same settings.
    return new JobHarness(bus, store, storeEnv);
  });
});
