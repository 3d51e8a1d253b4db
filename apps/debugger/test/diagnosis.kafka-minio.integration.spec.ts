import { ALL_TOPICS } from '@tuneforge/contracts';
import { KafkaMessageBus, StoreIdempotencyStore } from '@tuneforge/messaging';
import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { DebuggerHarness, describeDiagnosisScenario, quietLogger } from './diagnosis-scenario';

/** Distributed mode against the Kafka and MinIO that `infra/up.sh` starts; fails (never skips) without them. */

const storeEnv = localInfraEnv();

describe('the debugger diagnoses runs over Kafka with artifacts in MinIO', () => {
  describeDiagnosisScenario(async () => {
    const store = createArtifactStoreFromEnv(storeEnv);
    const bus = new KafkaMessageBus({ brokers: storeEnv.TF_KAFKA_BROKERS.split(','), clientId: 'debugger-it', logger: quietLogger, idempotency: new StoreIdempotencyStore(store) });
    await bus.ensureTopics(ALL_TOPICS);
    return new DebuggerHarness(bus, store);
  });
});
