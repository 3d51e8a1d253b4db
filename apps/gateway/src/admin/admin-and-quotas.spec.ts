import { MODEL_ARTIFACT_KIND, modelArtifactPrefix } from '@tuneforge/contracts';
import type { Database } from '@tuneforge/database';
import { dropTestDatabase, openTestDatabase } from '@tuneforge/database/src/testing';
import { startEmbeddedDeployment, type EmbeddedDeployment } from '@tuneforge/service-kit';
import { commitLocalDirectory, FilesystemArtifactStore } from '@tuneforge/storage';
import { createLogger } from '@tuneforge/telemetry';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { service } from '../service';

const ADMIN_KEY = 'admin-key-0001';
const KEY_A = 'tenant-a-key-0001';
const KEY_B = 'tenant-b-key-0001';
const TINY_MODEL_DIR = resolve(__dirname, '../../../../tools/tiny-model/models/tiny-llama');
/** A JSON answer: an object, or OpenAI's error envelope. */
interface Answer {
  error: { message: string; type: string; param: string | null; code: string | null };
  data: Array<{ id: string }>;
  [field: string]: unknown;
}

const TRAINING_LINE = '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n';

/**
 * The gateway alone (in-process bus, filesystem store, PGlite in memory) through HTTP: key management and quotas
 * as clients see them. Started twice on the same database to show that seeding the environment's keys is idempotent.
 */
describe('admin endpoints and quotas through the gateway', () => {
  jest.setTimeout(60_000);
  let db: Database;
  let dir: string;
  let deployment: EmbeddedDeployment | undefined;
  let url: string;

  const env = {
    TF_API_KEYS: `${ADMIN_KEY}:ops,${KEY_A}:tenant-a,${KEY_B}:tenant-b`,
    TF_ADMIN_API_KEYS: ADMIN_KEY,
    TF_RATE_LIMIT_PER_MINUTE: '100000',
  };

  async function start(): Promise<void> {
    deployment = await startEmbeddedDeployment([service], {
      store: new FilesystemArtifactStore(dir),
      database: db,
      logger: createLogger('gateway-admin-test', { level: 'warn' }),
      host: '127.0.0.1',
      basePort: 0,
      env,
    });
    url = deployment.apps.get('gateway')!.url;
  }

  beforeAll(async () => {
    db = await openTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'tf-gateway-admin-'));
    for (const tenant of ['tenant-a', 'tenant-b']) {
      await commitLocalDirectory(new FilesystemArtifactStore(dir).forTenant(tenant), modelArtifactPrefix('tiny-llama'), TINY_MODEL_DIR, { kind: MODEL_ARTIFACT_KIND, metadata: { name: 'tiny-llama' } });
    }
    await start();
  });

  afterAll(async () => {
    await deployment?.close();
    await dropTestDatabase(db);
  });

  async function api(path: string, key: string | undefined, init: { method?: string; body?: unknown } = {}) {
    const response = await fetch(`${url}/v1${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer };
  }

  /** A multipart upload of `content`; `chunked` sends no Content-Length, so its size is known only once it is read. */
  function upload(key: string, content: string, chunked = false): Promise<{ status: number; body: Answer }> {
    const boundary = 'tf-test-boundary';
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="train.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n${content}\r\n--${boundary}--\r\n`,
    );
    const { hostname, port } = new URL(url);
    return new Promise((resolvePromise, reject) => {
      const req = httpRequest(
        {
          hostname,
          port,
          path: '/v1/files',
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}`, ...(chunked ? {} : { 'content-length': body.length }) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolvePromise({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer }));
        },
      );
      req.on('error', reject);
      if (chunked) {
        // Two writes without a length: Node sends them chunked.
        req.write(body.subarray(0, 100));
        req.end(body.subarray(100));
      } else req.end(body);
    });
  }

  const training = (lines: number) => TRAINING_LINE.repeat(lines);

  it('admin routes: no key is 401, a tenant key 403 (permission_error), an admin key gets through', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/admin/api_keys', { tenant: 'tenant-a' }],
      ['GET', '/admin/api_keys'],
      ['DELETE', '/admin/api_keys/key-whatever'],
      ['GET', '/admin/quotas/tenant-a'],
      ['PUT', '/admin/quotas/tenant-a', { concurrent_jobs: 1 }],
    ];
    for (const [method, path, body] of routes) {
      expect({ method, path, status: (await api(path, undefined, { method, body })).status }).toEqual({ method, path, status: 401 });
      const denied = await api(path, KEY_A, { method, body });
      expect({ method, path, status: denied.status }).toEqual({ method, path, status: 403 });
      expect(denied.body.error).toMatchObject({ type: 'permission_error', code: 'permission_denied' });
    }
    expect((await api('/admin/api_keys', ADMIN_KEY)).status).toBe(200);
  });

  it('an admin creates a key (shown once), lists keys without secrets, revokes it: then it is a 401', async () => {
    const created = await api('/admin/api_keys', ADMIN_KEY, { method: 'POST', body: { tenant: 'tenant-c', name: 'ci' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ object: 'api_key', tenant: 'tenant-c', name: 'ci', admin: false, revoked_at: null });
    const key = created.body.key as string;
    expect(key).toMatch(/^tf-/);
    expect(created.body.key_hint).toBe(key.slice(0, 8));
    expect((await api('/files', key)).status).toBe(200);

    const listed = await api('/admin/api_keys?tenant=tenant-c', ADMIN_KEY);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: created.body.id, key_hint: key.slice(0, 8) })]);
    const everything = JSON.stringify((await api('/admin/api_keys', ADMIN_KEY)).body);
    expect(everything).not.toContain(key);
    expect(everything).not.toContain('key_hash');
    expect(everything).not.toContain(KEY_A);
    const [row] = await db.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [created.body.id]);
    expect(JSON.stringify(row)).not.toContain(key);

    const revoked = await api(`/admin/api_keys/${created.body.id}`, ADMIN_KEY, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toEqual(expect.any(Number));
    const refused = await api('/files', key);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('invalid_api_key');
    expect((await api('/admin/api_keys/key-unknown', ADMIN_KEY, { method: 'DELETE' })).status).toBe(404);
  });

  it('a key created with admin: true manages keys; bad requests are 400s naming the field', async () => {
    const created = await api('/admin/api_keys', ADMIN_KEY, { method: 'POST', body: { tenant: 'ops', admin: true } });
    expect((await api('/admin/api_keys', created.body.key as string)).status).toBe(200);
    const bad = await api('/admin/api_keys', ADMIN_KEY, { method: 'POST', body: { tenant: 'Bad Tenant' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('tenant');
    const unknownField = await api('/admin/quotas/tenant-a', ADMIN_KEY, { method: 'PUT', body: { gpus: 1 } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.param).toBe('gpus');
    expect((await api('/admin/quotas/nobody', ADMIN_KEY)).status).toBe(404);
  });

  it('stored_bytes: an upload over the quota is a 429 naming it, before (Content-Length) and after (chunked) it is read; another tenant is unaffected', async () => {
    const first = await upload(KEY_A, training(10));
    expect(first.status).toBe(200);
    const stored = first.body.bytes as number;
    expect((await api('/admin/quotas/tenant-a', ADMIN_KEY, { method: 'PUT', body: { stored_bytes: stored + 2 * TRAINING_LINE.length } })).status).toBe(200);

    // Checked once stored (with or without a Content-Length): the file goes over by one line, so it is deleted.
    for (const chunked of [false, true]) {
      const refused = await upload(KEY_A, training(3), chunked);
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', code: 'quota_exceeded', param: 'file' });
      expect(refused.body.error.message).toContain(`stored_bytes is ${stored + 2 * TRAINING_LINE.length} and this tenant's files take ${stored} bytes; this upload of ${3 * TRAINING_LINE.length} bytes`);
    }
    // Refused before it is read: its Content-Length, less the framing allowance, is already over.
    const large = await upload(KEY_A, training(2000));
    expect(large.status).toBe(429);
    expect(large.body.error.message).toMatch(/this upload of at least \d+ bytes/);
    // Nothing of the refused uploads is left: one file listed, one content object in the store.
    const files = await api('/files', KEY_A);
    expect(files.body.data.map((f) => f.id)).toEqual([first.body.id]);
    const keys: string[] = [];
    for await (const { key } of new FilesystemArtifactStore(dir).forTenant('tenant-a').list('files/')) keys.push(key);
    expect(keys).toEqual([`files/${first.body.id}/content`]);

    expect((await upload(KEY_A, training(2))).status).toBe(200);
    expect((await upload(KEY_B, training(50))).status).toBe(200);
    const usage = await api('/admin/quotas/tenant-a', ADMIN_KEY);
    expect(usage.body.stored_bytes).toEqual({ limit: stored + 2 * TRAINING_LINE.length, override: stored + 2 * TRAINING_LINE.length, default: null, usage: stored + 2 * TRAINING_LINE.length });
  });

  it('concurrent_jobs and trained_tokens_per_day: a job over either is a 429 naming it; another tenant is unaffected; usage is shown', async () => {
    const fileB = await upload(KEY_B, training(4));
    const createB = () => api('/fine_tuning/jobs', KEY_B, { method: 'POST', body: { model: 'tiny-llama', training_file: fileB.body.id } });
    expect((await api('/admin/quotas/tenant-a', ADMIN_KEY, { method: 'PUT', body: { concurrent_jobs: 1, stored_bytes: null } })).status).toBe(200);
    await db.query("INSERT INTO jobs (tenant, id, created_at, record) VALUES ('tenant-a', 'ftjob-quota-test-1', 1, '{}')");

    const refused = await api('/fine_tuning/jobs', KEY_A, { method: 'POST', body: { model: 'tiny-llama', training_file: 'file-x' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', code: 'quota_exceeded' });
    expect(refused.body.error.message).toMatch(/concurrent_jobs is 1 and this tenant has 1 job not finished/);
    const jobB = await createB();
    expect(jobB.status).toBe(200);
    expect(jobB.body.status).toBe('validating_files');

    await db.query("UPDATE jobs SET finished_at = $1, trained_tokens = 5000 WHERE id = 'ftjob-quota-test-1'", [Math.floor(Date.now() / 1000) - 60]);
    expect((await api('/admin/quotas/tenant-a', ADMIN_KEY, { method: 'PUT', body: { trained_tokens_per_day: 5000 } })).status).toBe(200);
    const tokens = await api('/fine_tuning/jobs', KEY_A, { method: 'POST', body: { model: 'tiny-llama', training_file: 'file-x' } });
    expect(tokens.status).toBe(429);
    expect(tokens.body.error.message).toMatch(/trained_tokens_per_day is 5000 and this tenant's jobs trained 5000 tokens in the last 24 hours/);
    expect((await createB()).status).toBe(200);

    const a = await api('/admin/quotas/tenant-a', ADMIN_KEY);
    expect(a.body).toMatchObject({
      object: 'tenant.quotas',
      tenant: 'tenant-a',
      concurrent_jobs: { limit: 1, override: 1, default: null, usage: 0 },
      trained_tokens_per_day: { limit: 5000, usage: 5000 },
      stored_bytes: { limit: null, override: null },
    });
    // tenant-b's jobs, created through the API, are what its usage counts.
    expect((await api('/admin/quotas/tenant-b', ADMIN_KEY)).body.concurrent_jobs).toEqual({ limit: null, override: null, default: null, usage: 2 });
  });

  it('a restart seeds nothing twice: the same keys, revoked ones still revoked', async () => {
    const before = await db.query('SELECT id, tenant, key_hash, admin, revoked_at FROM api_keys ORDER BY id');
    await deployment!.close();
    deployment = undefined;
    await start();
    expect(await db.query('SELECT id, tenant, key_hash, admin, revoked_at FROM api_keys ORDER BY id')).toEqual(before);
    expect((await api('/files', KEY_A)).status).toBe(200);
    expect((await api('/admin/api_keys', ADMIN_KEY)).status).toBe(200);
    expect(before.filter((row) => row.revoked_at !== null)).toHaveLength(1);
  });
});
