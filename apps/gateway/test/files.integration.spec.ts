import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import OpenAI from 'openai';
import { createStore, KEY_A, KEY_B, startGateway, type RunningGateway, type StoreKind } from './gateway-harness';

const MiB = 1024 * 1024;
const MAX_UPLOAD_BYTES = 4 * MiB;

const trainingLines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `question ${i}` }, { role: 'assistant', content: `answer ${i}` }] }));
const trainingJsonl = `${trainingLines.join('\n')}\n`;

/** The Files API through the official SDK, over the embedded deployment's filesystem store and over MinIO. */
describe.each<StoreKind>(['filesystem', 'minio'])('Files API over the %s store', (storeKind) => {
  let gateway: RunningGateway;
  let a: OpenAI;
  let b: OpenAI;
  const dir = mkdtempSync(join(tmpdir(), 'tf-gateway-files-'));

  beforeAll(async () => {
    gateway = await startGateway(await createStore(storeKind), {
      TF_API_KEYS: `${KEY_A}:tenant-a,${KEY_B}:tenant-b`,
      TF_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      TF_RATE_LIMIT_PER_MINUTE: '100000',
    });
    a = gateway.client(KEY_A);
    b = gateway.client(KEY_B);
  });

  afterAll(() => gateway?.deployment.close());

  it('uploads from a file stream, retrieves, downloads the same bytes and deletes', async () => {
    const path = join(dir, 'train.jsonl');
    writeFileSync(path, trainingJsonl);
    const file = await a.files.create({ file: createReadStream(path), purpose: 'fine-tune' });
    expect(file).toMatchObject({ object: 'file', bytes: Buffer.byteLength(trainingJsonl), filename: 'train.jsonl', purpose: 'fine-tune', status: 'processed' });
    expect(file.id).toMatch(/^file-/);
    expect(Math.abs(file.created_at - Date.now() / 1000)).toBeLessThan(60);

    expect(await a.files.retrieve(file.id)).toEqual(file);
    const content = Buffer.from(await (await a.files.content(file.id)).arrayBuffer());
    expect(createHash('sha256').update(content).digest('hex')).toBe(createHash('sha256').update(trainingJsonl).digest('hex'));

    expect(await a.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(a.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(a.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(a.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it('lists with cursors and a purpose filter, newest first', async () => {
    const uploaded: string[] = [];
    for (let i = 0; i < 5; i++) {
      const purpose = i % 2 === 0 ? 'fine-tune' : 'user_data';
      const created = await b.files.create({ file: await OpenAI.toFile(Buffer.from(trainingJsonl), `part-${i}.jsonl`), purpose });
      uploaded.push(created.id);
    }
    const pages: string[][] = [];
    let page = await b.files.list({ limit: 2 });
    pages.push(page.data.map((f) => f.id));
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      pages.push(page.data.map((f) => f.id));
    }
    expect(pages.map((ids) => ids.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...uploaded].reverse());

    const first = await b.files.list({ limit: 2, order: 'asc' });
    expect(first.data.map((f) => f.id)).toEqual(uploaded.slice(0, 2));
    expect(first.has_more).toBe(true);

    const raw = (await (await fetch(`${gateway.url}/v1/files?limit=2&purpose=fine-tune&order=asc`, { headers: { authorization: `Bearer ${KEY_B}` } })).json()) as Record<string, unknown>;
    expect(raw).toEqual({
      object: 'list',
      data: [expect.objectContaining({ id: uploaded[0] }), expect.objectContaining({ id: uploaded[2] })],
      has_more: true,
      first_id: uploaded[0],
      last_id: uploaded[2],
    });
    const fineTune = [];
    for await (const file of b.files.list({ purpose: 'fine-tune', limit: 1 })) fineTune.push(file.id);
    expect(fineTune).toEqual([uploaded[4], uploaded[2], uploaded[0]]);
  });

  it("isolates tenants: another tenant's file is not found, and not listed", async () => {
    const file = await a.files.create({ file: await OpenAI.toFile(Buffer.from(trainingJsonl), 'private.jsonl'), purpose: 'fine-tune' });
    await expect(b.files.retrieve(file.id)).rejects.toMatchObject({ status: 404, error: { type: 'invalid_request_error', param: 'id' } });
    await expect(b.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(b.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
    const listed = [];
    for await (const listedFile of b.files.list()) listed.push(listedFile.id);
    expect(listed).not.toContain(file.id);
    expect((await a.files.retrieve(file.id)).id).toBe(file.id);
  });

  it('refuses requests without a key or with an unknown one, in the OpenAI envelope', async () => {
    const none = await fetch(`${gateway.url}/v1/files`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { message: expect.stringMatching(/API key/), type: 'invalid_request_error', param: null, code: 'missing_api_key' } });
    await expect(gateway.client('not-a-known-key').files.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    // The probes and the API description stay open.
    for (const path of ['/healthz', '/readyz', '/metrics', '/v1/openapi.json']) expect((await fetch(`${gateway.url}${path}`)).status).toBe(200);
    // A path that only names a probe once normalised is not one: backslashes and dot segments, raw or encoded,
    // reach the protected route they are in and need a key there.
    for (const path of ['/v1/files/..\\..\\healthz', '/v1/files/..%5C..%5Chealthz', '/v1/files/..\\..\\readyz'])
      expect({ path, status: (await rawGet(gateway.url, path)).status }).toEqual({ path, status: 401 });
    // Encoded dot segments are not resolved by the router either: no route, so a 404, never the probe's 200.
    expect((await rawGet(gateway.url, '/v1/files/%2E%2E/%2E%2E/healthz')).status).toBe(404);
  });

  it('refuses an oversize upload with 413, from the SDK and from a chunked stream, without buffering it', async () => {
    const path = join(dir, 'big.jsonl');
    writeFileSync(path, Buffer.alloc(MAX_UPLOAD_BYTES + 1, 0x61));
    await expect(a.files.create({ file: createReadStream(path), purpose: 'user_data' })).rejects.toMatchObject({ status: 413, error: { param: 'file', code: 'file_too_large' } });
    // With a Content-Length the SDK knows in advance: refused before the body is read.
    await expect(a.files.create({ file: await OpenAI.toFile(Buffer.alloc(2 * MAX_UPLOAD_BYTES), 'big.bin'), purpose: 'user_data' })).rejects.toMatchObject({ status: 413 });
    // Exactly the cap is fine.
    const atCap = await a.files.create({ file: await OpenAI.toFile(Buffer.alloc(MAX_UPLOAD_BYTES, 0x62), 'cap.bin'), purpose: 'user_data' });
    expect(atCap.bytes).toBe(MAX_UPLOAD_BYTES);

    // 256 MiB with no Content-Length: refused when the cap is crossed, the rest read and dropped.
    const totalBytes = 256 * MiB;
    const { result, peakGrowthBytes } = await measurePeakRssGrowth(() => chunkedUpload(gateway.url, KEY_A, totalBytes));
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toMatchObject({ error: { type: 'invalid_request_error', param: 'file', code: 'file_too_large' } });
    expect(peakGrowthBytes).toBeLessThan(96 * MiB);
    // Nothing half-written is visible.
    const listed = (await a.files.list()).data.map((f) => f.bytes);
    expect(listed.every((bytes) => bytes <= MAX_UPLOAD_BYTES)).toBe(true);
  });

  it('answers bad requests with 400 naming the field', async () => {
    const bad = async (purpose: string) => a.files.create({ file: await OpenAI.toFile(Buffer.from(trainingJsonl), 'x.jsonl'), purpose: purpose as 'fine-tune' });
    await expect(bad('homework')).rejects.toMatchObject({ status: 400, error: { param: 'purpose', type: 'invalid_request_error' } });
    await expect(a.files.list({ limit: 'ten' as unknown as number })).rejects.toMatchObject({ status: 400, error: { param: 'limit' } });
    await expect(a.files.list({ colour: 'red' } as never)).rejects.toMatchObject({ status: 400, error: { param: 'colour' } });

    // A fine-tuning file whose second line is not JSON: refused with the line, and nothing is kept.
    const before = (await a.files.list()).data.length;
    await expect(a.files.create({ file: await OpenAI.toFile(Buffer.from('{"messages":[]}\n{"messages": [\n'), 'broken.jsonl'), purpose: 'fine-tune' })).rejects.toMatchObject({
      status: 400,
      error: { param: 'file', message: expect.stringMatching(/line 2/) },
    });
    expect((await a.files.list()).data.length).toBe(before);

    // Server-owned fields are refused by name.
    const form = new FormData();
    form.append('purpose', 'fine-tune');
    form.append('status', 'processed');
    form.append('file', new Blob([trainingJsonl]), 'x.jsonl');
    const owned = await fetch(`${gateway.url}/v1/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${KEY_A}` } });
    expect(owned.status).toBe(400);
    expect(await owned.json()).toMatchObject({ error: { param: 'status', message: expect.stringMatching(/set by the server/) } });

    // Malformed JSON: 400 in the envelope.
    const malformed = await fetch(`${gateway.url}/v1/files`, {
      method: 'POST',
      body: '{"purpose": "fine-tune",',
      headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: { message: expect.stringMatching(/JSON/), type: 'invalid_request_error', param: null, code: 'invalid_json' } });

    // Unknown routes too.
    const unknown = await fetch(`${gateway.url}/v1/nothing-here`, { headers: { authorization: `Bearer ${KEY_A}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'unknown_url' } });
  });

  it('serves an OpenAPI document describing the Files endpoints', async () => {
    const document = (await (await fetch(`${gateway.url}/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/files', '/v1/files/{id}', '/v1/files/{id}/content']));
  });
});

describe('request rate per API key', () => {
  it('refuses requests past the cap with 429 and retry-after, in the OpenAI envelope, per key', async () => {
    const gateway = await startGateway(await createStore('filesystem'), { TF_API_KEYS: `${KEY_A}:tenant-a,${KEY_B}:tenant-b`, TF_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const a = gateway.client(KEY_A);
      for (let i = 0; i < 3; i++) await a.files.list();
      const refused = await fetch(`${gateway.url}/v1/files`, { headers: { authorization: `Bearer ${KEY_A}` } });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
      await expect(a.files.list()).rejects.toMatchObject({ status: 429 });
      expect((await gateway.client(KEY_B).files.list()).data).toEqual([]);
    } finally {
      await gateway.deployment.close();
    }
  });
});

describe('embedded mode without TF_API_KEYS', () => {
  it('accepts the documented development key for tenant "default" and nothing else', async () => {
    const gateway = await startGateway(await createStore('filesystem'), {});
    try {
      expect((await gateway.client('tf-dev-key').files.list()).data).toEqual([]);
      await expect(gateway.client(KEY_A).files.list()).rejects.toMatchObject({ status: 401 });
    } finally {
      await gateway.deployment.close();
    }
  });
});

/** A multipart upload of `totalBytes` generated as it is sent, without Content-Length. */
function chunkedUpload(url: string, apiKey: string, totalBytes: number): Promise<{ status: number; body: string }> {
  const boundary = 'tf-boundary-7d1c';
  const chunk = Buffer.alloc(MiB, 0x78);
  async function* parts() {
    yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nuser_data\r\n`);
    yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    for (let sent = 0; sent < totalBytes; sent += chunk.length) yield chunk;
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => (body += text));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    Readable.from(parts()).pipe(req);
  });
}

async function measurePeakRssGrowth<T>(operation: () => Promise<T>): Promise<{ result: T; peakGrowthBytes: number }> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  try {
    const result = await operation();
    return { result, peakGrowthBytes: Math.max(peak, process.memoryUsage.rss()) - baseline };
  } finally {
    clearInterval(sampler);
  }
}

/** A GET with the path sent byte for byte (fetch would normalise `\\` and `..` before sending). */
function rawGet(base: string, path: string): Promise<{ status: number }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const sent = request({ host: url.hostname, port: url.port, method: 'GET', path }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    sent.once('error', reject);
    sent.end();
  });
}
