import { createMessage, defineTopic } from '@tuneforge/contracts';
import { createLogger } from '@tuneforge/telemetry';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { RetriableError } from '../errors';
import { InMemoryIdempotencyStore } from '../idempotency';
import { MessageValidationError } from '../outgoing-message';
import { InProcessMessageBus } from './in-process-bus';

const workTopic = defineTopic('test.work.requested.v1', z.object({ n: z.number().int() }).strict(), { partitions: 3 });
const silent = createLogger('test', { destination: new Writable({ write: (_c, _e, done) => done() }) });
const fastRetry = { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2 };

function message(n: number, job = 'job-1') {
  return createMessage(workTopic, { n }, { correlationId: job, tenant: 'acme' });
}

/** Resolves once `count` values were collected by the handler. */
function collector<T>(count: number) {
  const values: T[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  return {
    values,
    finished,
    add(value: T) {
      values.push(value);
      if (values.length === count) done();
    },
  };
}

describe('in-process bus', () => {
  let bus: InProcessMessageBus;
  afterEach(() => bus.close());

  it('delivers each message of a key in publish order', async () => {
    bus = new InProcessMessageBus({ logger: silent, retry: fastRetry });
    const seen = collector<number>(20);
    await bus.subscribe<{ n: number }>(workTopic, { group: 'g', service: 'test' }, async (m) => seen.add(m.payload.n));
    for (let n = 0; n < 20; n++) await bus.publish(workTopic, message(n));
    await seen.finished;
    expect(seen.values).toEqual([...Array(20).keys()]);
  });

  it('gives every consumer group every message', async () => {
    bus = new InProcessMessageBus({ logger: silent });
    const a = collector<number>(2);
    const b = collector<number>(2);
    await bus.subscribe<{ n: number }>(workTopic, { group: 'a', service: 'test' }, async (m) => a.add(m.payload.n));
    await bus.subscribe<{ n: number }>(workTopic, { group: 'b', service: 'test' }, async (m) => b.add(m.payload.n));
    await bus.publish(workTopic, message(1));
    await bus.publish(workTopic, message(2));
    await Promise.all([a.finished, b.finished]);
    expect(a.values.sort()).toEqual([1, 2]);
    expect(b.values.sort()).toEqual([1, 2]);
  });

  it('a group still busy with its first message gets every later one, however far a faster group has read', async () => {
    // The embedded deployment's shape: the gateway projects an approval answer at once while the orchestrator
    // is still running the job's graph on it; the next answers on that partition must reach the orchestrator.
    bus = new InProcessMessageBus({ logger: silent });
    const fast = collector<number>(3);
    const slow = collector<number>(3);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe<{ n: number }>(workTopic, { group: 'fast', service: 'test' }, async (m) => fast.add(m.payload.n));
    await bus.subscribe<{ n: number }>(workTopic, { group: 'slow', service: 'test' }, async (m) => {
      if (m.payload.n === 1) await released;
      slow.add(m.payload.n);
    });
    await bus.publish(workTopic, message(1));
    await waitFor(() => fast.values.length === 1);
    await bus.publish(workTopic, message(2));
    await bus.publish(workTopic, message(3));
    await fast.finished;
    release();
    await waitFor(() => slow.values.length === 3).catch(() => undefined);
    expect(slow.values).toEqual([1, 2, 3]);
  });

  it('retries a retriable failure and then handles the message once', async () => {
    bus = new InProcessMessageBus({ logger: silent, retry: fastRetry });
    let calls = 0;
    const handled = collector<number>(1);
    await bus.subscribe<{ n: number }>(workTopic, { group: 'g', service: 'test' }, async (m) => {
      calls += 1;
      if (calls < 3) throw new RetriableError('storage briefly away');
      handled.add(m.payload.n);
    });
    await bus.publish(workTopic, message(7));
    await handled.finished;
    expect(calls).toBe(3);
    expect(bus.deadLettersOf(workTopic.name)).toHaveLength(0);
  });

  it('dead-letters a message whose retries run out, with the attempt count', async () => {
    bus = new InProcessMessageBus({ logger: silent, retry: fastRetry });
    const next = collector<number>(1);
    await bus.subscribe<{ n: number }>(workTopic, { group: 'g', service: 'test' }, async (m) => {
      if (m.payload.n === 1) throw new RetriableError('still down');
      next.add(m.payload.n);
    });
    await bus.publish(workTopic, message(1));
    await bus.publish(workTopic, message(2));
    await next.finished;
    const [letter] = bus.deadLettersOf(workTopic.name);
    expect(letter).toMatchObject({ reason: 'retries-exhausted', attempts: 3, group: 'g' });
    expect(letter.error).toContain('still down');
    expect(JSON.parse(letter.originalValue).payload).toEqual({ n: 1 });
  });

  it('waits an outage out far past the retries of an ordinary retriable error, then dead-letters it once it lasts past the window', async () => {
    // Storage away (StorageUnavailableError carries outage: true) or a refused connection: not the message's fault.
    const outage = Object.assign(new Error('object storage at http://minio:9000 is not reachable'), { retriable: true, outage: true });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
    bus = new InProcessMessageBus({ logger: silent, retry: { ...fastRetry, outageWindowMs: 400, outageMaxBackoffMs: 5 } });
    const handled = collector<number>(1);
    let calls = 0;
    await bus.subscribe<{ n: number }>(workTopic, { group: 'g', service: 'test' }, async (m) => {
      if (m.payload.n === 1 && ++calls <= 8) throw calls % 2 ? outage : refused;
      if (m.payload.n === 2) throw outage;
      handled.add(m.payload.n);
    });
    await bus.publish(workTopic, message(1));
    await handled.finished;
    // Eight failures, where an ordinary retriable error gets three tries: the message was handled, not dead-lettered.
    expect(calls).toBe(9);
    expect(bus.deadLettersOf(workTopic.name)).toHaveLength(0);
    await bus.publish(workTopic, message(2));
    await waitFor(() => bus.deadLettersOf(workTopic.name).length === 1, 5000);
    const [letter] = bus.deadLettersOf(workTopic.name);
    expect(letter).toMatchObject({ reason: 'retries-exhausted' });
    expect(letter.error).toMatch(/not reachable \(a dependency stayed unreachable for 0.4 s\)/);
  });

  it('dead-letters a permanent failure at once', async () => {
    bus = new InProcessMessageBus({ logger: silent, retry: fastRetry });
    let calls = 0;
    await bus.subscribe(workTopic, { group: 'g', service: 'test' }, async () => {
      calls += 1;
      throw new TypeError('bug');
    });
    await bus.publish(workTopic, message(1));
    await waitFor(() => bus.deadLettersOf(workTopic.name).length === 1);
    expect(calls).toBe(1);
    expect(bus.deadLettersOf(workTopic.name)[0]).toMatchObject({ reason: 'handler-failed', attempts: 1 });
  });

  it('dead-letters malformed and invalid messages and keeps serving the partition', async () => {
    bus = new InProcessMessageBus({ logger: silent });
    const next = collector<number>(1);
    await bus.subscribe<{ n: number }>(workTopic, { group: 'g', service: 'test' }, async (m) => next.add(m.payload.n));
    bus.publishRaw(workTopic, 'job-1', '{not json');
    bus.publishRaw(workTopic, 'job-1', JSON.stringify({ ...message(1), payload: { n: 'one' } }));
    await bus.publish(workTopic, message(3));
    await next.finished;
    const reasons = bus.deadLettersOf(workTopic.name).map((letter) => letter.reason);
    expect(reasons).toEqual(['malformed-json', 'schema-validation']);
    expect(bus.deadLettersOf(workTopic.name)[1].error).toContain('payload.n');
    expect(next.values).toEqual([3]);
  });

  it('does nothing a second time for a message id it has completed', async () => {
    bus = new InProcessMessageBus({ logger: silent });
    const seen: number[] = [];
    const last = collector<number>(1);
    await bus.subscribe<{ n: number }>(workTopic, { group: 'g', service: 'test' }, async (m) => {
      seen.push(m.payload.n);
      if (m.payload.n === 2) last.add(2);
    });
    const once = message(1);
    await bus.publish(workTopic, once);
    await bus.publish(workTopic, once);
    await bus.publish(workTopic, message(2));
    await last.finished;
    expect(seen).toEqual([1, 2]);
  });

  it('redelivers a message whose completion could not be recorded', async () => {
    const ledger = new InMemoryIdempotencyStore();
    let failures = 1;
    const flaky = {
      isCompleted: ledger.isCompleted.bind(ledger),
      markCompleted: async (group: string, id: string) => {
        if (failures-- > 0) throw new Error('ledger unreachable');
        await ledger.markCompleted(group, id);
      },
    };
    bus = new InProcessMessageBus({ logger: silent, idempotency: flaky, redeliveryDelayMs: 1 });
    const deliveries = collector<number>(2);
    await bus.subscribe<{ n: number }>(workTopic, { group: 'g', service: 'test' }, async (m) => deliveries.add(m.payload.n));
    await bus.publish(workTopic, message(5));
    await deliveries.finished;
    expect(deliveries.values).toEqual([5, 5]);
  });

  it('refuses to publish a message that does not match its schema, naming the field', async () => {
    bus = new InProcessMessageBus({ logger: silent });
    const bad = { ...message(1), payload: { n: 1.5 } };
    await expect(bus.publish(workTopic, bad)).rejects.toThrow(MessageValidationError);
    await expect(bus.publish(workTopic, bad)).rejects.toThrow(/payload\.n/);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
