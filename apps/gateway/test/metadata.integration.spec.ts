import { createMessage, jobControlRequestedV1, type Envelope, type TopicSpec } from '@tuneforge/contracts';
import { openDatabase, type Database } from '@tuneforge/database';
import { dropTestDatabase, openTestDatabase } from '@tuneforge/database/src/testing';
import type { MessageBus } from '@tuneforge/messaging';
import { localInfraEnv } from '@tuneforge/service-kit';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { streamJobEvents } from '../src/jobs/event-stream';
import { JobEventNotifier } from '../src/jobs/job-event-notifier';
import { JobRepository } from '../src/jobs/job-repository';
import { enqueue, OutboxRelay } from '../src/outbox/outbox-relay';
import { capturingLogger, eventRecord, insertJob } from '../src/testing/metadata-fixtures';

/**
 * The gateway's metadata on the Postgres server infra/up.sh starts (TF_DATABASE_URL), with two "instances" — two pools
 * on one schema — where PGlite's single connection would serialize everything: the outbox relay's SKIP LOCKED, the
 * first-answer race, NOTIFY heard by another instance, and a stream following concurrent writers. Fails, never skips,
 * when the server is not there.
 */
describe('gateway metadata on the Postgres server, two instances', () => {
  let first: Database;
  let second: Database;

  beforeAll(async () => {
    const url = localInfraEnv().TF_DATABASE_URL;
    try {
      first = await openTestDatabase(url);
    } catch (error) {
      throw new Error(`Postgres is not reachable at ${url.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}). Start it with infra/up.sh, or point TF_DATABASE_URL at a server.`);
    }
    second = await openDatabase(url, { schema: first.schema, migrate: false });
  });
  afterAll(async () => {
    await second?.close();
    if (first) await dropTestDatabase(first);
  });

  it('two relays publish each outbox message exactly once (FOR UPDATE SKIP LOCKED)', async () => {
    const taken: string[] = [];
    const bus = {
      publish: async (_topic: TopicSpec, message: Envelope<{ jobId: string }>) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
        taken.push(message.payload.jobId);
      },
    } as unknown as MessageBus;
    const ids = Array.from({ length: 300 }, (_, i) => `ftjob-${String(i).padStart(4, '0')}`);
    await first.transaction(async (tx) => {
      for (const id of ids) await enqueue(tx, jobControlRequestedV1, createMessage(jobControlRequestedV1, { jobId: id, action: 'cancel' }, { correlationId: id, tenant: 't' }));
    });
    const relays = [first, second].map((db) => new OutboxRelay(db, bus, capturingLogger().logger));
    relays.forEach((relay) => relay.start(10));
    const deadline = Date.now() + 30_000;
    while ((await first.query('SELECT 1 FROM outbox LIMIT 1')).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all(relays.map((relay) => relay.onModuleDestroy()));
    expect([...taken].sort()).toEqual(ids);
  });

  it('two different answers from two instances at once: exactly one is recorded, both see it', async () => {
    const [a, b] = [new JobRepository(first), new JobRepository(second)];
    for (let round = 0; round < 10; round++) {
      const jobId = (await insertJob(a, 'tenant-race')).id;
      await a.recordApproval('tenant-race', { approvalId: 'ap', jobId, stage: 'training_halfway', question: '?', options: ['approve', 'reject'], context: {}, autoAnswer: null, decideAt: null, decisionOnTimeout: null, created_at: 1 });
      const answer = (decision: 'approve' | 'reject') => ({ decision, answered_by: 'human' as const, answered_at: 1 });
      const results = await Promise.all([a.answerFirst('tenant-race', jobId, 'ap', answer('approve')), b.answerFirst('tenant-race', jobId, 'ap', answer('reject'))]);
      expect(results.filter((r) => r?.first)).toHaveLength(1);
      expect(results[0]!.answer).toEqual(results[1]!.answer);
    }
  });

  it('a stream on one instance gets every event written concurrently through the other, each once, by NOTIFY', async () => {
    const writer = new JobRepository(second);
    const reader = new JobRepository(first);
    const notifier = new JobEventNotifier(first);
    await notifier.onModuleInit();
    const jobId = (await insertJob(writer, 'tenant-stream')).id;
    const response = Object.assign(new EventEmitter(), {
      chunks: [] as string[],
      writeHead() {},
      write(chunk: string) {
        this.chunks.push(chunk);
        return true;
      },
      end(chunk?: string) {
        if (chunk) this.chunks.push(chunk);
      },
    });
    const done = streamJobEvents(reader, notifier, 'tenant-stream', jobId, response as unknown as ServerResponse);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Three writers at once (two on one pool), as redelivered and concurrent consumers might be: 150 events.
    const writers = [writer, writer, reader].map((repository, w) =>
      (async () => {
        for (let i = 0; i < 50; i++) await repository.recordEvent('tenant-stream', eventRecord(jobId, `w${w}-${i}`, 100 + i));
      })(),
    );
    await Promise.all(writers);
    const inserted = Date.now();
    await writer.recordStatus('tenant-stream', { jobId, status: 'succeeded', fine_tuned_model: 'ft:m', result_files: [], trained_tokens: 1, error: null, changed_at: 999 });
    await done;
    expect(Date.now() - inserted).toBeLessThan(2000);
    expect(response.chunks.at(-1)).toBe('data: [DONE]\n\n');
    const ids = response.chunks.slice(0, -1).map((chunk) => (JSON.parse(chunk.slice('data: '.length)) as { id: string }).id);
    expect(ids).toHaveLength(150);
    expect(new Set(ids).size).toBe(150);
    await notifier.onModuleDestroy();
  });
});
