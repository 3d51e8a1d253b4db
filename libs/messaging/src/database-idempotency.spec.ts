import { openDatabase, type Database } from '@tuneforge/database';
import { DatabaseIdempotencyStore } from './database-idempotency';

describe('DatabaseIdempotencyStore', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase('pglite:memory');
  });
  afterAll(() => db.close());

  it('remembers a finished message per consumer group, and marking it twice is harmless', async () => {
    const store = new DatabaseIdempotencyStore(db);
    expect(await store.isCompleted('orchestrator', 'm-1')).toBe(false);
    await store.markCompleted('orchestrator', 'm-1');
    await store.markCompleted('orchestrator', 'm-1');
    expect(await store.isCompleted('orchestrator', 'm-1')).toBe(true);
    expect(await store.isCompleted('gateway', 'm-1')).toBe(false);
  });

  it('forgets a message once its key expires, and prunes expired keys', async () => {
    let now = 1_000_000_000_000;
    const store = new DatabaseIdempotencyStore(db, 60, () => now);
    await store.markCompleted('evaluator', 'old');
    now += 61_000;
    expect(await store.isCompleted('evaluator', 'old')).toBe(false);
    now += 11 * 60_000;
    await store.markCompleted('evaluator', 'new');
    expect(await db.query("SELECT key FROM idempotency_keys WHERE consumer = 'evaluator'")).toEqual([{ key: 'new' }]);
  });
});
