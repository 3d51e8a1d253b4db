// The metadata database on a real Postgres server: the server infra/up.sh runs for the shared checks, and a
// private server of this test's own (another port and directory, started with the same infra scripts) for the
// outage: it is killed with SIGKILL, as a crashed or evicted pod is, and started again.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDatabase, type Database } from '../src';
import { migrationFiles } from '../src/migrate';
import { dropTestDatabase, openTestDatabase } from '../src/testing';

const INFRA = resolve(__dirname, '../../../infra');
// The server infra/up.sh starts (service-kit's LOCAL_INFRA_DEFAULTS; this library sits below service-kit).
const serverUrl = process.env.TF_DATABASE_URL ?? 'postgres://tuneforge:tuneforge-dev-secret@127.0.0.1:5432/tuneforge';

describe('metadata database on the Postgres server', () => {
  it('migrates once when several services start at the same time', async () => {
    const schema = `test_concurrent_${Date.now().toString(36)}`;
    const opened = await Promise.all([0, 1, 2].map(() => openDatabase(serverUrl, { schema })));
    try {
      const applied = await opened[0].query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      expect(applied.map((row) => row.name)).toEqual(migrationFiles().map((file) => file.name));
    } finally {
      await opened[0].query(`DROP SCHEMA "${schema}" CASCADE`);
      await Promise.all(opened.map((db) => db.close()));
    }
  });

  it('keeps each test schema to itself', async () => {
    const a = await openTestDatabase(serverUrl);
    const b = await openTestDatabase(serverUrl);
    try {
      await a.query("INSERT INTO tenants (id, created_at) VALUES ('only-in-a', 1)");
      expect(await b.query('SELECT id FROM tenants')).toEqual([]);
      expect(await a.query('SELECT id FROM tenants')).toEqual([{ id: 'only-in-a' }]);
    } finally {
      await dropTestDatabase(a);
      await dropTestDatabase(b);
    }
  });
});

describe('a Postgres server that is killed and comes back', () => {
  const run = mkdtempSync(join(tmpdir(), 'tf-pg-outage-'));
  const port = 5400 + Math.floor(Math.random() * 30);
  // TF_INFRA_FRESH off: CI runs the tests under TF_INFRA_FRESH=1, which would wipe the data at the restart.
  const env = { ...process.env, TUNEFORGE_RUN: run, TF_POSTGRES_PORT: String(port), TF_INFRA_WAIT_S: '90', TF_INFRA_FRESH: '0' };
  const infra = (script: string) => execFileSync('bash', [join(INFRA, script), 'postgres'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = `postgres://tuneforge:tuneforge-dev-secret@127.0.0.1:${port}/tuneforge`;
  let db: Database;
  const errors: Error[] = [];

  beforeAll(async () => {
    infra('up.sh');
    db = await openDatabase(url, { onError: (error) => errors.push(error) });
  });
  afterAll(async () => {
    await db?.close();
    try {
      infra('down.sh');
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  });

  it('fails queries while it is down, serves again once it is back, and the listener catches up', async () => {
    const notes: (string | undefined)[] = [];
    await db.listen('outage', (payload) => notes.push(payload));
    await db.notify('outage', 'before');
    await waitFor(() => notes.includes('before'));

    // The postmaster and every backend at once, as when the machine or the pod goes.
    const pid = Number(readFileSync(join(run, 'postgres', 'postgres.pid'), 'utf8').trim());
    execFileSync('pkill', ['-KILL', '-P', String(pid)]);
    process.kill(pid, 'SIGKILL');
    await expect(db.query('SELECT 1')).rejects.toThrow();
    // Clients see errors, the process does not crash: the pool's and the listener's errors are reported.
    await waitFor(() => errors.length > 0);

    infra('up.sh');
    await waitFor(async () => (await db.query('SELECT 1 AS one').catch(() => [])).length === 1, 60_000);
    await db.query("INSERT INTO tenants (id, created_at) VALUES ('after-outage', 1) ON CONFLICT DO NOTHING");
    expect(await db.query("SELECT id FROM tenants WHERE id = 'after-outage'")).toEqual([{ id: 'after-outage' }]);
    // The listening connection came back: told it may have missed notifications (undefined), then hears new ones.
    await waitFor(() => notes.includes(undefined), 30_000);
    await db.notify('outage', 'after');
    await waitFor(() => notes.includes('after'));
  }, 180_000);
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
