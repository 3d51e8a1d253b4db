// Requests generated from the gateway's own OpenAPI document, sampled (openapi-sampler) and then broken the way
// clients and attackers break them: fields dropped or given other types, huge or deeply nested values, bodies that
// are not JSON, hostile path segments, wrong keys. Every route gets its share (round robin over the operations).
// What a user needs from the answers: never a 5xx, never a hang, and a service that still serves afterwards.
//
// The drill (numbers for a closing note): starts the embedded platform in a child process and fuzzes it:
//   node -r @swc-node/register apps/platform/test/openapi-fuzz.ts [--requests 10000] [--seed 1] [--concurrency 8]
import fc from 'fast-check';
import { sample } from 'openapi-sampler';

type Json = unknown;
type Schema = Record<string, unknown>;

export interface Operation {
  method: string;
  /** The templated path, e.g. `/v1/files/{id}`. */
  path: string;
  pathParams: string[];
  query: Array<{ name: string; schema?: Schema }>;
  body?: { contentType: string; schema: Schema };
}

export interface FuzzRequest {
  operation: Operation;
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer | FormData;
}

export interface FuzzOutcome {
  total: number;
  byStatus: Record<string, number>;
  /** Every 5xx answer (and every request the server never answered in time), with what was sent. */
  failures: Array<{ kind: string; method: string; path: string; status: number | 'timeout' | 'network'; body: string }>;
  routes: number;
}

/** The operations of an OpenAPI 3 document, each with what the fuzzer varies. */
export function operationsOf(doc: { paths: Record<string, Record<string, Schema>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = ((op.parameters as Schema[] | undefined) ?? []).map((p) => resolve(doc, p));
      const content = (resolve(doc, (op.requestBody as Schema | undefined) ?? {}).content ?? {}) as Record<string, { schema?: Schema }>;
      const [contentType] = Object.keys(content);
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: String(p.name), schema: p.schema as Schema | undefined })),
        body: contentType ? { contentType, schema: content[contentType].schema ?? {} } : undefined,
      });
    }
  }
  return operations;
}

function resolve(doc: Json, node: Schema): Schema {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let at: Json = doc;
  for (const part of ref.slice(2).split('/')) at = (at as Record<string, Json>)[part];
  return resolve(doc, (at ?? {}) as Schema);
}

/** A small seeded PRNG (mulberry32): the same seed gives the same requests. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_SEGMENTS = ['..', '..%2F..%2Fhealthz', '..\\..\\healthz', '%00', 'a'.repeat(5000), 'ftjob-' + 'x'.repeat(300), '%E2%80%AE', 'null', '-1', '1e309', '{id}', '%', '%zz', '..;/', 'file-abc', 'ftjob-abc', 'ft:tiny-llama:t:x:abc'];
const VALID_IDS: Record<string, string[]> = { id: ['ftjob-abc123', 'file-abc123', 'tiny-llama', 'ft:tiny-llama:x::abc'], name: ['merged', 'adapter', 'gguf'], path: ['config.json', 'a/b.json'], approvalId: ['ap-1'] };

/**
 * The generator: `count` requests for `operations`, keys from `keys` (the first the tenant's own); `known` adds ids
 * that exist (a job, a file) so that requests get past "not found" into the routes' own checks.
 */
export function* fuzzRequests(operations: Operation[], doc: Json, keys: string[], seed: number, count: number, known: Record<string, string[]> = {}): Generator<FuzzRequest> {
  const rnd = random(seed);
  const ids = (name: string) => [...(known[name] ?? []), ...(known[name] ?? []), ...(VALID_IDS[name] ?? ['abc'])];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const anyJson = (): Json => fc.sample(fc.jsonValue({ maxDepth: 3 }), { seed: Math.floor(rnd() * 2 ** 31), numRuns: 1 })[0];
  for (let i = 0; i < count; i++) {
    const operation = operations[i % operations.length];
    const kind = pick(['valid', 'mutated-body', 'mutated-body', 'wrong-root', 'not-json', 'hostile-path', 'hostile-query', 'auth', 'huge', 'deep']);
    const segment = (name: string) => (kind === 'hostile-path' ? pick(HOSTILE_SEGMENTS) : encodeURIComponent(pick(ids(name))));
    let path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => segment(name));
    const query = new URLSearchParams();
    for (const q of operation.query) {
      if (rnd() < 0.5) continue;
      query.set(q.name, kind === 'hostile-query' ? pick(['-1', '1e309', 'NaN', '', 'x'.repeat(3000), '[]', '{"a":1}', '0x10', '99999999999999999999']) : String(sampled(q.schema, doc) ?? 'x'));
    }
    if (kind === 'hostile-query') query.append(pick(['limit', 'after', 'metadata[a]', 'stream', '__proto__']), pick(['x', '', '-5', 'true']));
    if ([...query.keys()].length > 0) path += `?${query}`;
    const headers: Record<string, string> = { authorization: `Bearer ${kind === 'auth' ? pick([...keys.slice(1), 'wrong-key', '']) : keys[0]}` };
    let body: FuzzRequest['body'];
    // fetch sends no body with GET; other methods get a broken one even where the route takes none.
    if (operation.method !== 'GET' && (operation.body || ['not-json', 'huge', 'deep', 'wrong-root'].includes(kind))) {
      const base = operation.body ? sampled(operation.body.schema, doc) : {};
      if (operation.body?.contentType.startsWith('multipart/')) {
        const form = new FormData();
        for (const [k, v] of Object.entries((base ?? {}) as Record<string, Json>)) if (rnd() < 0.7) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
        if (rnd() < 0.6) form.append(pick(['file', 'purpose', 'name', 'scope', 'x']), new Blob([kind === 'huge' ? 'x'.repeat(2_000_000) : pick(['{"messages":[]}\n', 'not json\n', '', '\u0000\u0001', '{"prompt":"a","completion":"b"}\n'])]), pick(['a.jsonl', 'x.gguf', '../../etc/passwd', 'model.safetensors', '']));
        body = form;
      } else {
        headers['content-type'] = kind === 'not-json' && rnd() < 0.3 ? pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) : 'application/json';
        body = kind === 'not-json' ? pick(['{', '{"a":', 'null', '[]', '"', '\u0000', '{"model": "x"}}', Buffer.from([0xff, 0xfe, 0x00]).toString('latin1')]) : JSON.stringify(mutate(base, kind, rnd, anyJson));
      }
    }
    yield { operation, kind, method: operation.method, path, headers, body };
  }
}

function sampled(schema: Schema | undefined, doc: Json): Json {
  if (!schema) return undefined;
  try {
    return sample(schema as never, { skipReadOnly: true, quiet: true }, doc as never);
  } catch {
    return {};
  }
}

function mutate(value: Json, kind: string, rnd: () => number, anyJson: () => Json): Json {
  if (kind === 'valid') return value;
  if (kind === 'wrong-root') return [null, 42, 'text', [value], true][Math.floor(rnd() * 5)];
  if (kind === 'huge') return { ...(value as object), [pickKey(value, rnd) ?? 'x']: 'y'.repeat(1_500_000) };
  if (kind === 'deep') {
    let nested: Json = 1;
    for (let d = 0; d < 400; d++) nested = rnd() < 0.5 ? [nested] : { a: nested };
    return { ...(value as object), [pickKey(value, rnd) ?? 'x']: nested };
  }
  // Fields dropped or replaced with other JSON, one to three times, possibly inside nested objects.
  const copy = structuredClone(value ?? {}) as Record<string, Json>;
  for (let n = 1 + Math.floor(rnd() * 3); n > 0; n--) {
    let target: Record<string, Json> = copy;
    for (let depth = 0; depth < 3; depth++) {
      const key = pickKey(target, rnd);
      const next = key === undefined ? undefined : target[key];
      if (next === null || typeof next !== 'object' || rnd() < 0.5) break;
      target = next as Record<string, Json>;
    }
    const key = pickKey(target, rnd) ?? 'extra';
    if (rnd() < 0.3) delete target[key];
    else target[key] = anyJson();
  }
  return copy;
}

function pickKey(value: Json, rnd: () => number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const keys = Object.keys(value);
  return keys.length ? keys[Math.floor(rnd() * keys.length)] : undefined;
}

/** Sends the requests, `concurrency` at a time, each with a deadline; counts answers by status. */
export async function runFuzz(baseUrl: string, requests: Iterable<FuzzRequest>, options: { concurrency: number; timeoutMs: number }): Promise<FuzzOutcome> {
  const outcome: FuzzOutcome = { total: 0, byStatus: {}, failures: [], routes: 0 };
  const routes = new Set<string>();
  const iterator = requests[Symbol.iterator]();
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      const request = next.value;
      routes.add(`${request.method} ${request.operation.path}`);
      let status: number | 'timeout' | 'network';
      let text = '';
      try {
        const response = await fetch(`${baseUrl}${request.path}`, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(options.timeoutMs) });
        status = response.status;
        text = await response.text();
      } catch (error) {
        status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network';
        text = String((error as Error).message);
      }
      outcome.total++;
      outcome.byStatus[String(status)] = (outcome.byStatus[String(status)] ?? 0) + 1;
      if (typeof status !== 'number' || status >= 500) outcome.failures.push({ kind: request.kind, method: request.method, path: request.path.slice(0, 200), status, body: text.slice(0, 300) });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  outcome.routes = routes.size;
  return outcome;
}
