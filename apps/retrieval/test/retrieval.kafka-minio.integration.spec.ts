import { ALL_TOPICS } from '@tuneforge/contracts';
import { KafkaMessageBus, StoreIdempotencyStore } from '@tuneforge/messaging';
import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { describeRetrievalScenario, quietLogger, RetrievalHarness } from './retrieval-scenario';

/** Distributed mode against the Kafka and MinIO that `infra/up.sh` starts; fails (never skips) without them. */

const storeEnv = localInfraEnv();

describe('retrieval indexes knowledge documents over Kafka with artifacts in MinIO', () => {
  describeRetrievalScenario(async () => {
    const store = createArtifactStoreFromEnv(storeEnv);
    const bus = new KafkaMessageBus({ brokers: storeEnv.TF_KAFKA_BROKERS.split(','), clientId: 'retrieval-it', logger: quietLogger, idempotency: new StoreIdempotencyStore(store) });
    await bus.ensureTopics(ALL_TOPICS);
    return new RetrievalHarness(bus, store);
  });
});
