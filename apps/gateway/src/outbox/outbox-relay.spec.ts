import { createMessage, jobControlRequestedV1, type Envelope, type TopicSpec } from '@tuneforge/contracts';
import { openDatabase, type Database } from '@tuneforge/database';
import type { MessageBus } from '@tuneforge/messaging';
import { capturingLogger } from '../testing/metadata-fixtures';
import { enqueue, OutboxRelay } from './outbox-relay';

/** A bus that fails while `down` is set, and otherwise records each message it takes. */
class FlakyBus {
  down = false;
  attempts = 0;
  readonly taken: string[] = [];
  async publish(_topic: TopicSpec, message: Envelope<{ jobId: string }>): Promise<void> {
    this.attempts++;
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (this.down) throw new Error('broker unreachable');
    this.taken.push(message.payload.jobId);
  }
}

const control = (jobId: string) => createMessage(jobControlRequestedV1, { jobId, action: 'cancel' }, { correlationId: jobId, tenant: 't' });

describe('OutboxRelay', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase('pglite:memory');
  });
  afterAll(() => db.close());
  afterEach(() => db.query('DELETE FROM outbox'));

  const pending = () => db.query<{ attempts: number; last_error: string | null }>('SELECT attempts, last_error FROM outbox ORDER BY seq');

  it('keeps a message the bus refused, counting attempts with the error, and publishes it (then the rest, in order) when the bus is back', async () => {
    const bus = new FlakyBus();
    const { logger, lines } = capturingLogger();
    const relay = new OutboxRelay(db, bus as unknown as MessageBus, logger);
    await db.transaction(async (tx) => {
      for (const id of ['ftjob-a', 'ftjob-b', 'ftjob-c']) await enqueue(tx, jobControlRequestedV1, control(id));
    });
    bus.down = true;
    await relay.relay();
    await relay.relay();
    // The first message failed twice; the others waited behind it rather than overtaking it.
    expect(bus.attempts).toBe(2);
    expect(await pending()).toEqual([
      { attempts: 2, last_error: 'broker unreachable' },
      { attempts: 0, last_error: null },
      { attempts: 0, last_error: null },
    ]);
    expect(lines.filter((line) => String(line.msg).startsWith('outbox: publish failed'))).toHaveLength(2);

    bus.down = false;
    await relay.relay();
    expect(bus.taken).toEqual(['ftjob-a', 'ftjob-b', 'ftjob-c']);
    expect(await pending()).toEqual([]);
    await relay.onModuleDestroy();
  });

  it('a rolled-back transaction publishes nothing', async () => {
    const bus = new FlakyBus();
    const relay = new OutboxRelay(db, bus as unknown as MessageBus, capturingLogger().logger);
    await expect(
      db.transaction(async (tx) => {
        await enqueue(tx, jobControlRequestedV1, control('ftjob-rolled-back'));
        throw new Error('the job insert failed');
      }),
    ).rejects.toThrow('the job insert failed');
    await relay.relay();
    expect(bus.attempts).toBe(0);
  });

  it('more than a batch, relayed by two instances at once and by the loop: each message published once, in order', async () => {
    const bus = new FlakyBus();
    const relays = [0, 1].map(() => new OutboxRelay(db, bus as unknown as MessageBus, capturingLogger().logger));
    const ids = Array.from({ length: 250 }, (_, i) => `ftjob-${String(i).padStart(4, '0')}`);
    await db.transaction(async (tx) => {
      for (const id of ids) await enqueue(tx, jobControlRequestedV1, control(id));
    });
    relays.forEach((relay) => relay.start(20));
    await Promise.all([...relays.map((relay) => relay.relay()), ...relays.map((relay) => relay.relay())]);
    const deadline = Date.now() + 10_000;
    while ((await pending()).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(bus.taken).toEqual(ids);
    await Promise.all(relays.map((relay) => relay.onModuleDestroy()));
  });

  it('stops: no pass after onModuleDestroy', async () => {
    const bus = new FlakyBus();
    const relay = new OutboxRelay(db, bus as unknown as MessageBus, capturingLogger().logger);
    relay.start(10);
    await relay.onModuleDestroy();
    await enqueue(db, jobControlRequestedV1, control('ftjob-late'));
    await relay.relay();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bus.attempts).toBe(0);
  });
});
