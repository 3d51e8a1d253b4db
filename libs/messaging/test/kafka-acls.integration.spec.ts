import { ALL_TOPICS, createMessage, jobLifecycleCreatedV1, jobLifecycleEventV1, trainingRunControlV1, trainingRunProgressedV1 } from '@tuneforge/contracts';
import { Kafka, type SASLOptions } from 'kafkajs';
import { connect } from 'node:net';
import { InMemoryIdempotencyStore, KafkaMessageBus } from '../src';
import { KAFKA_BROKERS, quietLogger } from './kafka-test-env';

/**
 * The SASL/SCRAM listener of the broker infra/up.sh starts (security.properties; fails, never skips, without it): each
 * service logs in as itself (password tuneforge-dev-<service>) and gets exactly its ACLs (acls.generated.tsv).
 */
const SASL_BROKERS = (process.env.TF_KAFKA_SASL_BROKERS ?? '127.0.0.1:9094').split(',');
const scram = (user: string, password = `tuneforge-dev-${user}`): SASLOptions => ({ mechanism: 'scram-sha-512', username: user, password });
const TOPIC_DENIED = /^(TOPIC_AUTHORIZATION_FAILED|KafkaJSTopicAuthorizationError)$/;
const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function busAs(user: string | undefined, sasl?: SASLOptions): KafkaMessageBus {
  return new KafkaMessageBus({
    brokers: SASL_BROKERS,
    clientId: `acl-test-${user ?? 'anonymous'}`,
    logger: quietLogger,
    idempotency: new InMemoryIdempotencyStore(),
    security: sasl ? { sasl } : {},
    joinTimeoutMs: 15_000,
  });
}

/** kafkajs' protocol error type (TOPIC_AUTHORIZATION_FAILED...), else its error class (KafkaJSTopicAuthorizationError...). */
function errorType(error: unknown): string {
  const e = error as { type?: string; name?: string; originalError?: unknown; cause?: unknown };
  // kafkajs wraps what the broker said in retry errors: the innermost error is the answer.
  const inner = e.originalError ?? e.cause;
  if (inner && (e.name === 'KafkaJSNonRetriableError' || e.name === 'KafkaJSNumberOfRetriesExceeded')) return errorType(inner);
  return e.type ?? e.name ?? String(error);
}

/** What a raw consumer of `group` meets when it reads `topic`: the error type of its crash, or 'joined'. */
async function consume(user: string, group: string, topic: string): Promise<string> {
  const kafka = new Kafka({ clientId: `acl-test-${user}-consumer`, brokers: SASL_BROKERS, sasl: scram(user), logLevel: 0, retry: { retries: 0 } });
  const consumer = kafka.consumer({ groupId: group, retry: { retries: 0 }, maxWaitTimeInMs: 500 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const outcome = new Promise<string>((resolve) => {
      consumer.on(consumer.events.CRASH, (event) => resolve(errorType(event.payload.error)));
      // A fetch answered: the join, the offset fetch and the fetch itself all needed the topic's READ.
      consumer.on(consumer.events.FETCH, () => resolve('fetched'));
    });
    await consumer.run({ eachMessage: async () => undefined }).catch(() => undefined);
    return await outcome;
  } catch (error) {
    return errorType(error);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}


/** What the broker answers `user` producing one (not even valid) record to `topic`: 'sent' or the error type. */
async function produce(user: string, topic: string): Promise<string> {
  const kafka = new Kafka({ clientId: `acl-test-${user}-producer`, brokers: SASL_BROKERS, sasl: scram(user), logLevel: 0, retry: { retries: 0 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // A record the gateway's consumers would dead-letter as invalid; the ACL is what this is about.
    await producer.send({ topic, acks: -1, messages: [{ key: `acl-${tag}`, value: 'acl test' }] });
    return 'sent';
  } catch (error) {
    return errorType(error);
  } finally {
    await producer.disconnect();
  }
}

describe('Kafka authentication and per-service ACLs (SASL/SCRAM-SHA-512)', () => {
  const admin = new KafkaMessageBus({ brokers: KAFKA_BROKERS, clientId: 'acl-test-admin', logger: quietLogger, idempotency: new InMemoryIdempotencyStore() });
  const pod = busAs('train-pod', scram('train-pod'));
  afterAll(async () => {
    await pod.close();
    await admin.close();
  });

  beforeAll(async () => {
    const [host, port] = SASL_BROKERS[0]!.split(':');
    const listening = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), host!, () => resolve(true)).on('error', () => resolve(false));
      socket.setTimeout(2000, () => resolve(false));
    });
    if (!listening) {
      throw new Error(`no SASL listener on ${SASL_BROKERS[0]}: a broker started before infra/kafka/security.properties existed has none; restart it (infra/down.sh kafka && infra/up.sh kafka)`);
    }
    // The declared topics exist (an operator's job: the development listener's super user here, the topic operator in k8s).
    await admin.ensureTopics(ALL_TOPICS);
  });

  it("lets the training pod's principal produce its progress and read its run's control", async () => {
    await pod.ensureTopics(ALL_TOPICS);
    await pod.publish(trainingRunProgressedV1, createMessage(trainingRunProgressedV1, { runId: `run-${tag}`, jobId: `job-${tag}`, step: 1, totalSteps: 2, epoch: 0, loss: 1, learningRate: 0.001, tokens: 10, tokensPerSecond: 1, etaSeconds: 1 }, { correlationId: `job-${tag}`, tenant: 'acme' }));

    const since = new Date();
    let received!: (runId: string) => void;
    const heard = new Promise<string>((resolve) => (received = resolve));
    const reading = await pod.readSince(trainingRunControlV1, { group: `train-pod-acl-${tag}`, since: new Date(since.getTime() - 60_000) }, (message) => {
      if (message.payload.runId === `run-${tag}`) received(message.payload.runId);
    });
    await admin.publish(trainingRunControlV1, createMessage(trainingRunControlV1, { runId: `run-${tag}`, jobId: `job-${tag}`, action: 'pause' }, { correlationId: `job-${tag}`, tenant: 'acme' }));
    await expect(heard).resolves.toBe(`run-${tag}`);
    await reading.close();
  });

  it('refuses the training pod job creation, and reading any topic but its control', async () => {
    // Straight to the broker: whatever the bytes, a pod may not write the topic that creates jobs.
    expect(await produce('train-pod', jobLifecycleCreatedV1.name)).toMatch(TOPIC_DENIED);
    expect(await produce('train-pod', 'job.control.requested.v1')).toMatch(TOPIC_DENIED);
    // A topic no service consumes (a dead-letter topic), so that the record bothers no one.
    expect(await produce('train-pod', 'job.lifecycle.status-changed.v1.dlq')).toMatch(TOPIC_DENIED);
    expect(await produce('gateway', 'job.lifecycle.status-changed.v1.dlq')).toBe('sent');
    expect(await consume('train-pod', `train-pod-read-${tag}`, jobLifecycleEventV1.name)).toMatch(TOPIC_DENIED);
    expect(await consume('train-pod', `train-pod-read-${tag}`, trainingRunProgressedV1.name)).toMatch(TOPIC_DENIED);
    // Nor may it join another service's consumer group, even for its own topic (kafkajs reports the broker's
    // GROUP_AUTHORIZATION_FAILED to FindCoordinator as a coordinator not found); in a train-pod-* group it may.
    expect(await consume('train-pod', `orchestrator-${tag}`, trainingRunControlV1.name)).toMatch(/GROUP_AUTHORIZATION_FAILED|KafkaJSGroupAuthorizationError|KafkaJSGroupCoordinatorNotFound/);
    expect(await consume('train-pod', `train-pod-own-${tag}`, trainingRunControlV1.name)).toBe('fetched');
    // The service that owns the topic reads it.
    expect(await consume('orchestrator', `orchestrator-acl-${tag}`, trainingRunProgressedV1.name)).toBe('fetched');
  });

  it('refuses a client without credentials, and one with a wrong password', async () => {
    const trainer = busAs('trainer', scram('trainer'));
    await expect(trainer.checkReachable()).resolves.toBeUndefined();
    await trainer.close();
    // The SASL listener drops a client that does not start with a SASL handshake.
    const anonymous = busAs(undefined);
    await expect(anonymous.checkReachable()).rejects.toThrow(/Connection|closed|timeout/i);
    await anonymous.close().catch(() => undefined);
    const wrong = busAs('trainer', scram('trainer', 'not-the-password'));
    await expect(wrong.checkReachable()).rejects.toThrow(/SASL|authentication/i);
    await wrong.close().catch(() => undefined);
  });
});
