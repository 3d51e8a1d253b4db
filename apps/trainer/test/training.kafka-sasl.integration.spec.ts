import { ALL_TOPICS } from '@tuneforge/contracts';
import { KafkaMessageBus, StoreIdempotencyStore } from '@tuneforge/messaging';
import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv } from '@tuneforge/storage';
import { describeTrainingScenario, quietLogger, TrainerHarness } from './training-scenario';

/**
 * The same scenario with the pod as a deployment runs it: Kafka through the broker's SASL listener as the training
 * pods' user, whose ACLs let it produce its run's events and read run control only (infra/kafka/security.properties,
 * docs/security.md), and storage through keys minted for its run. Pause, kill -9, relaunch and resume included.
 * Fails (never skips) without the broker infra/up.sh starts.
 */
const env = localInfraEnv();
const SASL_BROKERS = process.env.TF_KAFKA_SASL_BROKERS ?? '127.0.0.1:9094';

describe("trainer and training pod, the pod logged in to Kafka as the pods' user (SASL/SCRAM, ACLs)", () => {
  describeTrainingScenario(async () => {
    const store = createArtifactStoreFromEnv(env);
    const bus = new KafkaMessageBus({ brokers: env.TF_KAFKA_BROKERS.split(','), clientId: 'trainer-sasl-it', logger: quietLogger, idempotency: new StoreIdempotencyStore(store) });
    await bus.ensureTopics(ALL_TOPICS);
    return new TrainerHarness(bus, store, { TF_KAFKA_BROKERS: SASL_BROKERS, TF_KAFKA_SASL_USERNAME: 'train-pod', TF_KAFKA_SASL_PASSWORD: 'tuneforge-dev-train-pod' });
  });
});
