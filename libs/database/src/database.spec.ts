import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from './database';
import { migrate, migrationFiles } from './migrate';
import { DatabaseConfigError, openDatabase, redact } from './open-database';

describe('metadata database on PGlite (embedded mode and unit tests)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase('pglite:memory');
  });
  afterAll(() => db.close());

  it('applies every migration once, and a second run applies none', async () => {
    const applied = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(applied.map((row) => row.name)).toEqual(migrationFiles().map((file) => file.name));
    expect(await migrate(db)).toEqual([]);
  });

  it('returns bigint columns as numbers and jsonb as objects', async () => {
    await db.query("INSERT INTO tenants (id, created_at) VALUES ('t-num', 1765000000)");
    await db.query("INSERT INTO files (tenant, id, purpose, bytes, created_at, record) VALUES ('t-num', 'file-1', 'fine-tune', 5000000000, 1, $1::jsonb)", [JSON.stringify({ a: [1, 2] })]);
    const [row] = await db.query<{ bytes: number; record: unknown }>("SELECT bytes, record FROM files WHERE id = 'file-1'");
    expect(row).toEqual({ bytes: 5_000_000_000, record: { a: [1, 2] } });
  });

  it('rolls a failed transaction back entirely and keeps serving', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO tenants (id, created_at) VALUES ('t-rolled-back', 1)");
        await tx.query("INSERT INTO tenants (id, created_at) VALUES ('t-rolled-back', 2)");
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await db.query("SELECT id FROM tenants WHERE id = 't-rolled-back'")).toEqual([]);
    expect(await db.transaction((tx) => tx.query<{ one: number }>('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });

  it('lets exactly one of two concurrent first answers through', async () => {
    await db.query("INSERT INTO jobs (tenant, id, created_at, record) VALUES ('t-num', 'ftjob-1', 1, '{}')");
    const insert = (decision: string) =>
      db.query("INSERT INTO job_answers (tenant, job_id, approval_id, record) VALUES ('t-num', 'ftjob-1', 'ap-1', $1::jsonb) ON CONFLICT DO NOTHING RETURNING record", [JSON.stringify({ decision })]);
    const results = await Promise.all([insert('approve'), insert('reject')]);
    expect(results.map((rows) => rows.length).sort()).toEqual([0, 1]);
  });

  it('delivers NOTIFY to listeners until they stop listening', async () => {
    const received: (string | undefined)[] = [];
    const stop = await db.listen('job_events', (payload) => received.push(payload));
    await db.notify('job_events', 't-num:ftjob-1');
    await waitFor(() => received.length === 1);
    await stop();
    await db.notify('job_events', 'after');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual(['t-num:ftjob-1']);
  });

  it('keeps its rows in a directory across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-pglite-'));
    try {
      // A directory whose parents do not exist yet (./.tuneforge/metadata in a fresh checkout).
      const first = await openDatabase(`pglite:${join(dir, 'not', 'yet')}`);
      await first.query("INSERT INTO tenants (id, created_at) VALUES ('kept', 1)");
      await first.close();
      const second = await openDatabase(`pglite:${join(dir, 'not', 'yet')}`);
      expect(await second.query('SELECT id FROM tenants')).toEqual([{ id: 'kept' }]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('database URLs', () => {
  it('refuses an unknown scheme without showing the password', async () => {
    await expect(openDatabase('mysql://me:hunter2@db/x')).rejects.toThrow(DatabaseConfigError);
    await expect(openDatabase('mysql://me:hunter2@db/x')).rejects.toThrow(/mysql:\/\/me:\*\*\*@db\/x/);
    await expect(openDatabase('pglite:')).rejects.toThrow(/pglite:memory or pglite:<directory>/);
    await expect(openDatabase('pglite:memory', { schema: 'Robert"; DROP' })).rejects.toThrow(/Invalid schema name/);
    expect(redact('postgres://tuneforge:secret@127.0.0.1:5432/tuneforge')).toBe('postgres://tuneforge:***@127.0.0.1:5432/tuneforge');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
