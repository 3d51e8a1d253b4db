import { createMessage, jobControlRequestedV1 } from '@tuneforge/contracts';
import type { Database } from '@tuneforge/database';
import { dropTestDatabase, openTestDatabase } from '@tuneforge/database/src/testing';
import { DatabaseDeadLetterLog, DatabaseIdempotencyStore, type DeadLetterRecord } from '@tuneforge/messaging';
import { startEmbeddedDeployment, type EmbeddedDeployment } from '@tuneforge/service-kit';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { service } from '../service';

const ADMIN_KEY = 'admin-key-dlq-0001';
const TENANT_KEY = 'tenant-key-dlq-0001';

/** `tuneforge admin dlq`'s endpoints through the gateway (in-process bus, PGlite): list and replay what a consumer dead-lettered. */
describe('dead letters through the admin API', () => {
  jest.setTimeout(60_000);
  let db: Database;
  let deployment: EmbeddedDeployment;
  let url: string;

  beforeAll(async () => {
    db = await openTestDatabase();
    deployment = await startEmbeddedDeployment([service], {
      store: new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'tf-gateway-dlq-'))),
      database: db,
      logger: createLogger('gateway-dlq-test', { level: 'warn' }),
      host: '127.0.0.1',
      basePort: 0,
      env: { TF_API_KEYS: `${ADMIN_KEY}:ops,${TENANT_KEY}:tenant-a`, TF_ADMIN_API_KEYS: ADMIN_KEY, TF_RATE_LIMIT_PER_MINUTE: '100000' },
    });
    url = deployment.apps.get('gateway')!.url;
  });
  afterAll(async () => {
    await deployment?.close();
    await dropTestDatabase(db);
  });

  const call = async (path: string, method = 'GET', key = ADMIN_KEY) => {
    const response = await fetch(`${url}/v1/admin/${path}`, { method, headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { data: Array<Record<string, unknown>> } };
  };

  /** What the Kafka bus writes when a group gives a message up (the message marked finished for that group). */
  async function deadLetter(value: string, offset: string, group = 'orchestrator'): Promise<void> {
    const letter: DeadLetterRecord = {
      originalTopic: jobControlRequestedV1.name,
      originalPartition: 2,
      originalOffset: offset,
      originalKey: 'ftjob-dlq',
      originalValue: value,
      originalHeaders: {},
      group,
      service: 'orchestrator',
      reason: 'retries-exhausted',
      error: 'RetriableError: still down',
      attempts: 4,
      failedAt: new Date().toISOString(),
    };
    await new DatabaseDeadLetterLog(db).record(letter);
    await new DatabaseDeadLetterLog(db).record(letter); // recorded once per group and position
  }

  it('lists pending dead letters to admins only, replays one to the group that failed it, and only once', async () => {
    const message = createMessage(jobControlRequestedV1, { jobId: 'ftjob-dlq', action: 'cancel' }, { correlationId: 'ftjob-dlq', tenant: 'tenant-a' });
    await deadLetter(JSON.stringify(message), '41');
    await new DatabaseIdempotencyStore(db).markCompleted('orchestrator', message.messageId);
    const replayed: string[] = [];
    await deployment.bus.subscribe(jobControlRequestedV1, { group: 'orchestrator', service: 'test' }, async (m) => void replayed.push(m.messageId));

    expect((await call('dead_letters', 'GET', TENANT_KEY)).status).toBe(403);
    const listed = await call('dead_letters');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ object: 'dead_letter', topic: 'job.control.requested.v1', partition: 2, offset: '41', key: 'ftjob-dlq', group: 'orchestrator', reason: 'retries-exhausted', attempts: 4, replayed_at: null, value: JSON.stringify(message) }),
    ]);
    const id = listed.body.data[0].id as string;

    const replay = await call(`dead_letters/${id}/replay`, 'POST');
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id, replayed_at: expect.any(Number) });
    // The failing group gets the same message again: its idempotency key was forgotten.
    for (let i = 0; i < 50 && replayed.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(replayed).toEqual([message.messageId]);
    expect(await new DatabaseIdempotencyStore(db).isCompleted('orchestrator', message.messageId)).toBe(false);

    expect((await call('dead_letters')).body.data).toEqual([]);
    expect((await call('dead_letters?status=all')).body.data.map((d) => d.id)).toEqual([id]);
    expect(await call(`dead_letters/${id}/replay`, 'POST')).toMatchObject({ status: 409, body: { error: expect.objectContaining({ message: expect.stringContaining('replayed already') }) } });
  });

  it('refuses to replay a malformed message as it is, and names an unknown dead letter', async () => {
    await deadLetter('{"this is": not json', '77', 'gateway-projections');
    const [letter] = (await call('dead_letters?group=gateway-projections')).body.data;
    expect(await call(`dead_letters/${letter.id as string}/replay`, 'POST')).toMatchObject({ status: 409, body: { error: expect.objectContaining({ message: expect.stringContaining('cannot be replayed as it is') }) } });
    expect((await call('dead_letters/dl-999999/replay', 'POST')).status).toBe(404);
    expect((await call('dead_letters/nonsense/replay', 'POST')).status).toBe(404);
    expect((await call('dead_letters?status=later')).status).toBe(400);
  });
});
