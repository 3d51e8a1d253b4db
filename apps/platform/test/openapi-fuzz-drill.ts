// The fuzz drill behind the closing note's figures: the embedded platform in a child process (as `npm run
// start:embedded` runs it), fuzzed with requests generated from its own OpenAPI document; then the counts by
// status, every 5xx or unanswered request, the process's peak resident memory, and whether it still serves.
//   node -r @swc-node/register apps/platform/test/openapi-fuzz-drill.ts [--requests 10000] [--seed 1] [--concurrency 8]
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { startDeployment, type RunningDeployment } from './deployment';
import { fuzzRequests, operationsOf, runFuzz, type FuzzOutcome } from './openapi-fuzz';

export const FUZZ_KEYS = ['fuzz-key-a:fuzz-a', 'fuzz-key-b:fuzz-b'];

export interface DrillResult extends FuzzOutcome {
  /** The platform process's resident memory when the fuzz began, and its peak by the end. */
  startRssMiB: number;
  peakRssMiB: number;
  stillServes: boolean;
  /** What the checks after the fuzz got: the tenant's model list and the readiness probe. */
  afterwards: { models: number; readyz: number; readyzBody: string };
  seconds: number;
}

/** A process's resident set from /proc: VmHWM is the peak so far, VmRSS the current one. */
export function rssMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

export async function startFuzzTarget(basePort: number): Promise<RunningDeployment> {
  const dir = mkdtempSync(join(tmpdir(), 'tf-fuzz-'));
  return startDeployment('embedded', basePort, {
    TF_ARTIFACT_DIR: join(dir, 'artifacts'),
    TF_INFERENCE_MODEL_DIR: join(dir, 'inference-models'),
    TF_DATABASE_URL: `pglite:${join(dir, 'metadata')}`,
    TF_API_KEYS: FUZZ_KEYS.join(','),
    // Past the per-key rate limit every request would be a 429 before any route looked at it.
    TF_RATE_LIMIT_PER_MINUTE: '10000000',
    TF_LOG_LEVEL: 'error',
    TF_INFERENCE_THREADS: '1',
    TF_TRAIN_POD_THREADS: '1',
  });
}

export async function fuzzDeployment(deployment: RunningDeployment, requests: number, seed: number, concurrency: number): Promise<DrillResult> {
  const started = Date.now();
  const startRssMiB = rssMiB(deployment.processes[0].pid!, 'VmRSS');
  const doc = (await (await fetch(`${deployment.gatewayUrl}/v1/openapi.json`)).json()) as Parameters<typeof operationsOf>[0];
  const keys = FUZZ_KEYS.map((k) => k.split(':')[0]);
  const known = await knownIds(deployment.gatewayUrl, keys[0]);
  const outcome = await runFuzz(deployment.gatewayUrl, fuzzRequests(operationsOf(doc), doc, keys, seed, requests, known), { concurrency, timeoutMs: 60_000 });
  const models = await fetch(`${deployment.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${keys[0]}` } });
  const ready = await fetch(`${deployment.gatewayUrl}/readyz`);
  const afterwards = { models: models.status, readyz: ready.status, readyzBody: (await ready.text()).slice(0, 500) };
  return { ...outcome, startRssMiB, peakRssMiB: rssMiB(deployment.processes[0].pid!, 'VmHWM'), stillServes: models.status === 200 && ready.status === 200, afterwards, seconds: (Date.now() - started) / 1000 };
}

/** A file and a job of the tenant (a short run on the tiny model), so that fuzzed requests reach existing objects too. */
async function knownIds(baseUrl: string, key: string): Promise<Record<string, string[]>> {
  const client = new OpenAI({ apiKey: key, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
  const lines = ['Hi', 'What is 2 + 2?', 'Name a colour.'].map((q, i) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: ['Hello.', '4', 'Blue.'][i] }] }));
  const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'fuzz.jsonl'), purpose: 'fine-tune' });
  const job = await client.fineTuning.jobs.create({ model: 'tiny-llama', training_file: file.id, hyperparameters: { n_epochs: 1 } });
  return { id: [job.id, file.id] };
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const deployment = await startFuzzTarget(arg('port', 18_900));
  try {
    const result = await fuzzDeployment(deployment, arg('requests', 10_000), arg('seed', 1), arg('concurrency', 8));
    console.log(JSON.stringify({ ...result, failures: result.failures.slice(0, 30), failureCount: result.failures.length }, null, 2));
  } finally {
    await deployment.stop();
  }
}

if (require.main === module) void main();
