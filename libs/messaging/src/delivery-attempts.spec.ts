import { createMessage, defineTopic } from '@tuneforge/contracts';
import { openDatabase, type Database } from '@tuneforge/database';
import { createLogger } from '@tuneforge/telemetry';
import { z } from 'zod';
import { InMemoryIdempotencyStore } from './idempotency';
import type { DeadLetterRecord } from './dead-letter';
import { DatabaseDeliveryAttempts } from './delivery-attempts';
import { processDelivery, type RawDelivery } from './process-delivery';
import { DEFAULT_RETRY_POLICY } from './retry-policy';

const topic = defineTopic('test.poison.delivered.v1', z.object({ n: z.number() }).strict(), { partitions: 1 });
const subscription = { group: 'poison-group', service: 'poison-test' };
const logger = createLogger('poison-test', { level: 'silent' });

describe('a message whose handler kills its worker', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase('pglite:memory');
  });
  afterAll(() => db.close());

  function raw(n: number): RawDelivery {
    const message = createMessage(topic, { n }, { correlationId: `job-${n}`, tenant: 'acme' });
    return { topic: topic.name, partition: 0, offset: String(n), key: null, value: JSON.stringify(message), headers: {} };
  }

  it('is dead-lettered as poison once its handler was started the allowed number of times without finishing', async () => {
    const attempts = new DatabaseDeliveryAttempts(db);
    const letters: DeadLetterRecord[] = [];
    const idempotency = new InMemoryIdempotencyStore();
    const deps = { idempotency, attempts, maxHandlerStarts: 2, retry: DEFAULT_RETRY_POLICY, logger, deadLetter: async (r: DeadLetterRecord) => void letters.push(r) };
    const poisonous = raw(1);
    // Two deliveries whose worker "dies" in the handler: the handler never returns (a process killed mid-handler
    // records nothing after its start).
    const dying = () => new Promise<void>(() => undefined);
    for (let i = 0; i < 2; i++) void processDelivery(poisonous, topic, subscription, dying, deps);
    await waitFor(async () => (await db.query<{ attempts: number }>('SELECT attempts FROM delivery_attempts')).at(0)?.attempts === 2);

    // The third delivery does not run the handler again.
    let ran = false;
    const outcome = await processDelivery(poisonous, topic, subscription, async () => void (ran = true), deps);
    expect(outcome).toBe('dead-lettered');
    expect(ran).toBe(false);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: 'poison', attempts: 2, group: 'poison-group' });
    expect(letters[0].error).toMatch(/started 2 times and never finished/);
    // Its count is gone once the outcome is recorded; another message is handled as usual.
    expect(await db.query('SELECT * FROM delivery_attempts')).toEqual([]);
    expect(await processDelivery(raw(2), topic, subscription, async () => undefined, deps)).toBe('handled');
    expect(await db.query('SELECT * FROM delivery_attempts')).toEqual([]);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
