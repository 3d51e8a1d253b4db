// Benchmark (not a test): output tokens/s and time to first token (p50/p95) of the served HTTP API at several
// concurrency levels, side by side with the same requests run on the engine in this process.
//
// Served: streaming chat completions through the official openai SDK against the gateway (or straight to the
// inference service with its tenant header: --via inference) of an embedded deployment in a child process, with a
// filesystem store (no Kafka, no MinIO). `c` clients each send their next request when their last one ended, until
// --requests are done; time to first token is until the first chunk with text (or the end).
// Direct peers, on the same prompt tokens (the model's chat template) with the model's end-of-sequence ids as stops:
//   session   a decode session (model.createSession), `c` sequences at a time, the next one joining at a step
//             boundary: the scheduler's work without HTTP, so served/session is the serving overhead;
//   generate  model.generate in waves of `c` prompts, one batched call per wave (at c = 1, one request at a time:
//             served/generate c=1 is the gain over a server that runs one request at a time); its time to first
//             token is the same waves with maxNewTokens 1.
// The peer (--llama-cpp): llama.cpp's OpenAI-compatible server (llama-cpp-python's, tools/ci/llama-venv.sh) on the
// same model exported to GGUF at the same precision (F32, libs/model-import) with the same threads, driven by the
// same streaming clients as `served`.
// Each point runs --reps times (served, session, generate[, llama.cpp] in turn); the tables show the median over the reps.
//
//   node -r @swc-node/register tools/bench/serving.ts [--model DIR] [--threads 2] [--concurrency 1,4,8,16]
//        [--requests 32] [--max-tokens 64] [--reps 3] [--via gateway|inference] [--llama-cpp]
//
// Without --model it serves tools/tiny-model/models/tiny-llama, whose steps cost so little that overhead dominates;
// the installed SmolLM2-135M-Instruct (~/.cache/tuneforge/models) is the real model to measure.
import { MODEL_ARTIFACT_KIND, modelArtifactPrefix, SERVICE_NAMES, TENANT_HEADER } from '@tuneforge/contracts';
import { endOfSequenceIds, loadModelTokenizer, renderChat } from '@tuneforge/datasets';
import { Model } from '@tuneforge/engine';
import { commitLocalDirectory, createArtifactStoreFromEnv } from '@tuneforge/storage';
import { exportGguf } from '@tuneforge/model-import';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import OpenAI from 'openai';

const REPO = resolve(__dirname, '../..');
const TENANT = 'bench';
const API_KEY = 'bench-serving-key';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const num = (name: string, fallback: number) => Number(arg(name, String(fallback)));

const opts = {
  model: resolve(arg('model', join(REPO, 'tools/tiny-model/models/tiny-llama'))),
  threads: num('threads', 2),
  concurrency: arg('concurrency', '1,4,8,16').split(',').map(Number),
  requests: num('requests', 32),
  maxTokens: num('max-tokens', 64),
  reps: num('reps', 3),
  via: arg('via', 'gateway') as 'gateway' | 'inference',
  llamaCpp: process.argv.includes('--llama-cpp'),
};
const MODEL_NAME = basename(opts.model);

// Fixed prompts; request i asks prompts[i % prompts.length].
const PROMPTS = [
  'What is the weather in Oslo?',
  'Write a Python function that reverses a list.',
  'Explain what a SQL join does, in two sentences.',
  'Give me three names for a small grey cat.',
  'How do I read a file line by line in TypeScript?',
  'Summarize the plot of a detective story you like.',
  'What is 17 times 23? Show your steps.',
  'List the planets of the solar system in order.',
];

/** Is nothing listening on `port`? */
const portFree = (port: number) =>
  new Promise<boolean>((done) => {
    const server = createServer().once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });

/**
 * Embedded mode (apps/platform/src/embedded.ts) in a child process, as a user starts it: every service in one
 * process, the in-process bus, a filesystem store in a temporary directory where the model is registered first.
 */
async function startServer(): Promise<{ gateway: string; inference: string; stop: () => Promise<void> }> {
  let base = 30_000 + (process.pid % 1000) * 10;
  while (!(await Promise.all(SERVICE_NAMES.map((_, i) => portFree(base + i)))).every(Boolean)) base += 10;
  const dir = mkdtempSync(join(tmpdir(), 'tf-bench-serving-'));
  const env = {
    TF_STORAGE_DRIVER: 'filesystem',
    TF_ARTIFACT_DIR: join(dir, 'artifacts'),
    TF_INFERENCE_MODEL_DIR: join(dir, 'inference-models'),
    TF_INFERENCE_THREADS: String(opts.threads),
    TF_API_KEYS: `${API_KEY}:${TENANT}`,
    TF_RATE_LIMIT_PER_MINUTE: '1000000',
    TF_LOG_LEVEL: 'warn',
    TF_HTTP_PORT: String(base),
  };
  const store = createArtifactStoreFromEnv(env).forTenant(TENANT);
  await commitLocalDirectory(store, modelArtifactPrefix(MODEL_NAME), opts.model, { kind: MODEL_ARTIFACT_KIND, metadata: { name: MODEL_NAME } });
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(REPO, 'apps/platform/src/embedded.ts')], { cwd: REPO, env: { ...process.env, ...env }, stdio: 'inherit' });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const urls = { gateway: `http://127.0.0.1:${base}`, inference: `http://127.0.0.1:${base + SERVICE_NAMES.indexOf('inference')}` };
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const url of Object.values(urls)) {
      while (!(await fetch(`${url}/readyz`).then((r) => r.ok, () => false))) {
        if (child.exitCode !== null) throw new Error(`the embedded deployment exited with code ${child.exitCode}`);
        await new Promise((done) => setTimeout(done, 250));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { ...urls, stop };
}

/**
 * llama.cpp's server on the model exported to GGUF at F32 (the engine's precision), `opts.threads` threads for
 * prompt and generation, served under the model's name. `--interrupt_requests False`: by default its server drops the
 * request it is generating for each new one, so concurrent clients would measure that; without it they queue, one
 * sequence at a time (llama-cpp-python's server does not batch sequences).
 */
async function startLlamaCpp(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'tf-bench-llama-'));
  const gguf = join(dir, 'model-f32.gguf');
  await exportGguf(opts.model, gguf, 'f32', MODEL_NAME);
  const python = execFileSync('bash', [join(REPO, 'tools/ci/llama-venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  let port = 31_000 + (process.pid % 1000);
  while (!(await portFree(port))) port++;
  const threads = String(opts.threads);
  const child = spawn(python, ['-m', 'llama_cpp.server', '--model', gguf, '--model_alias', MODEL_NAME, '--n_threads', threads, '--n_threads_batch', threads, '--n_ctx', '4096', '--verbose', 'False', '--interrupt_requests', 'False', '--host', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  while (!(await fetch(`${url}/v1/models`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`llama.cpp's server exited with code ${child.exitCode}`);
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  return { url, stop };
}

interface Point {
  tokS: number;
  ttftP50: number;
  ttftP95: number;
  tokens: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const median = (values: number[]) => percentile(values, 50);

/** `c` clients streaming chat completions until `opts.requests` are done. */
async function served(client: OpenAI, c: number): Promise<Point> {
  let next = 0;
  let tokens = 0;
  const ttfts: number[] = [];
  const t0 = performance.now();
  const clientLoop = async () => {
    for (let i = next++; i < opts.requests; i = next++) {
      const sent = performance.now();
      const stream = await client.chat.completions.create({
        model: MODEL_NAME,
        messages: [{ role: 'user', content: PROMPTS[i % PROMPTS.length] }],
        max_tokens: opts.maxTokens,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      });
      let first: number | undefined;
      let usage: number | undefined;
      let textChunks = 0;
      for await (const chunk of stream) {
        // The first chunk (the role) goes out before any token; the first token is the first text or the end.
        if (first === undefined && chunk.choices.some((choice) => choice.delta.content || choice.finish_reason)) first = performance.now();
        if (chunk.usage) usage = chunk.usage.completion_tokens;
        if (chunk.choices.some((choice) => choice.delta.content)) textChunks++;
      }
      // A server that sends no usage in the stream (llama.cpp's sends one token per chunk) is counted by its chunks.
      tokens += usage ?? textChunks;
      ttfts.push((first ?? performance.now()) - sent);
    }
  };
  await Promise.all(Array.from({ length: c }, clientLoop));
  const seconds = (performance.now() - t0) / 1000;
  return { tokS: tokens / seconds, ttftP50: median(ttfts), ttftP95: percentile(ttfts, 95), tokens };
}

/** The same requests on the engine: waves of `c` prompts, one model.generate per wave. */
async function direct(model: Model, prompts: number[][], stop: number[][], c: number): Promise<Point> {
  const waves: number[][][] = [];
  for (let i = 0; i < opts.requests; i += c) waves.push(Array.from({ length: Math.min(c, opts.requests - i) }, (_, j) => prompts[(i + j) % prompts.length]));
  let tokens = 0;
  const t0 = performance.now();
  for (const wave of waves) tokens += (await model.generate(wave, { maxNewTokens: opts.maxTokens, stop })).reduce((n, g) => n + g.tokens.length, 0);
  const seconds = (performance.now() - t0) / 1000;
  const ttfts: number[] = [];
  for (const wave of waves) {
    const sent = performance.now();
    await model.generate(wave, { maxNewTokens: 1, stop });
    ttfts.push(...wave.map(() => performance.now() - sent));
  }
  return { tokS: tokens / seconds, ttftP50: median(ttfts), ttftP95: percentile(ttfts, 95), tokens };
}

/** The same requests on a decode session in this process, `c` at a time, each next one joining at a step boundary. */
async function session(model: Model, prompts: number[][], stop: number[][], c: number): Promise<Point> {
  const s = await model.createSession({ maxSequences: c, maxContext: Math.max(...prompts.map((p) => p.length)) + opts.maxTokens + 1 });
  const added = new Map<number, number>(); // id -> when it was added, until its first token
  const ttfts: number[] = [];
  let next = 0;
  let active = 0;
  let tokens = 0;
  const admit = async () => {
    const at = performance.now();
    added.set(await s.add(prompts[next++ % prompts.length], { maxNewTokens: opts.maxTokens, stop }), at);
    active++;
  };
  const t0 = performance.now();
  while (next < Math.min(c, opts.requests)) await admit();
  while (active > 0) {
    for (const r of await s.step()) {
      const at = added.get(r.id);
      if (at !== undefined) {
        ttfts.push(performance.now() - at);
        added.delete(r.id);
      }
      tokens++;
      if (r.finished === null) continue;
      tokens -= r.held; // on 'stop', the end-of-sequence token, which is not output
      active--;
      if (next < opts.requests) await admit();
    }
  }
  s.dispose();
  return { tokS: tokens / ((performance.now() - t0) / 1000), ttftP50: median(ttfts), ttftP95: percentile(ttfts, 95), tokens };
}

async function main(): Promise<void> {
  const server = await startServer();
  const client =
    opts.via === 'gateway'
      ? new OpenAI({ apiKey: API_KEY, baseURL: `${server.gateway}/v1`, maxRetries: 0 })
      : new OpenAI({ apiKey: 'unused', baseURL: `${server.inference}/v1`, maxRetries: 0, defaultHeaders: { [TENANT_HEADER]: TENANT } });
  let model: Model | undefined;
  const llama = opts.llamaCpp ? await startLlamaCpp() : undefined;
  try {
    const tokenizer = await loadModelTokenizer(opts.model);
    const stop = (await endOfSequenceIds(opts.model, tokenizer)).map((id) => [id]);
    const prompts = PROMPTS.map((content) => tokenizer.encode(renderChat(tokenizer, [{ role: 'user', content }], undefined, { addGenerationPrompt: true })));
    const engine = (model = await Model.load(opts.model, { threads: opts.threads }));
    const llamaClient = llama && new OpenAI({ apiKey: 'unused', baseURL: `${llama.url}/v1`, maxRetries: 0 });
    // Warm-up: the service loads the model on its first request.
    await served(client, 1).catch((error) => Promise.reject(new Error(`warm-up request failed: ${error}`)));
    if (llamaClient) await served(llamaClient, 1);
    await engine.generate([prompts[0]], { maxNewTokens: 2, stop });
    const runs: Record<string, (c: number) => Promise<Point>> = { served: (c) => served(client, c), session: (c) => session(engine, prompts, stop, c), generate: (c) => direct(engine, prompts, stop, c) };
    if (llamaClient) runs['llama.cpp'] = (c) => served(llamaClient, c);
    const points = opts.concurrency.map((c) => ({ c, reps: Object.fromEntries(Object.keys(runs).map((way) => [way, [] as Point[]])) }));
    for (let rep = 0; rep < opts.reps; rep++)
      for (const { c, reps } of points) for (const way of Object.keys(runs)) reps[way].push(await runs[way](c));
    const med = (ps: Point[], key: keyof Point) => median(ps.map((p) => p[key]));
    const generateAt1 = points.find((p) => p.c === 1)?.reps.generate;
    const throughput = points.map(({ c, reps }) => {
      const [servedTokS, sessionTokS, generateTokS] = [med(reps.served, 'tokS'), med(reps.session, 'tokS'), med(reps.generate, 'tokS')];
      const tokens = [med(reps.served, 'tokens'), med(reps.session, 'tokens'), med(reps.generate, 'tokens')];
      if (new Set(tokens).size > 1) console.warn(`c=${c}: tokens served/session/generate ${tokens.join('/')}`);
      return {
        c,
        'served tok/s': +servedTokS.toFixed(1),
        'session tok/s': +sessionTokS.toFixed(1),
        'generate tok/s': +generateTokS.toFixed(1),
        'served/session': +(servedTokS / sessionTokS).toFixed(2),
        'served/generate': +(servedTokS / generateTokS).toFixed(2),
        'served/generate c=1': generateAt1 ? +(servedTokS / med(generateAt1, 'tokS')).toFixed(2) : null,
        ...(reps['llama.cpp'] ? { 'llama.cpp tok/s': +med(reps['llama.cpp'], 'tokS').toFixed(1), 'served/llama.cpp': +(servedTokS / med(reps['llama.cpp'], 'tokS')).toFixed(2) } : {}),
      };
    });
    const ms = (ps: Point[]) => `${med(ps, 'ttftP50').toFixed(1)} / ${med(ps, 'ttftP95').toFixed(1)}`;
    const ttft = points.map(({ c, reps }) => ({ c, 'TTFT ms p50 / p95: served': ms(reps.served), session: ms(reps.session), 'generate (1 token)': ms(reps.generate), ...(reps['llama.cpp'] ? { 'llama.cpp': ms(reps['llama.cpp']) } : {}) }));
    console.log(`${MODEL_NAME}, ${opts.requests} requests × ${opts.maxTokens} tokens per point, via ${opts.via}, ${opts.threads} threads, median of ${opts.reps} reps`);
    console.table(throughput);
    console.table(ttft);
    console.log(JSON.stringify({ ...opts, statistic: `median of ${opts.reps} reps`, throughput, ttft }));
  } finally {
    model?.dispose();
    await server.stop();
    await llama?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
