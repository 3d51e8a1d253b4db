import OpenAI from 'openai';
import type { Conversation, ToolDefinition } from '../../conversation/conversation.schema';
import type { DatasetRecord } from '../../conversation/dataset-record';
import { findNearDuplicates, MinHasher } from '../../dedup/minhash';
import { recordText } from '../../dedup/record-text';
import { DatasetError } from '../../errors/dataset-error';
import { openAIChatFormat } from '../../formats/openai-chat.format';
import { SeededRandom } from '../seeded-random';
import { requestHash, type LlmResponseCache } from './llm-response-cache';

export interface ChatEndpoint {
  /** Any OpenAI-compatible server: `https://api.openai.com/v1`, vLLM, llama.cpp, Tuneforge's own. */
  baseURL: string;
  model: string;
  apiKey: string;
}

export interface LlmRetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface LlmGenerationOptions {
  endpoint: ChatEndpoint;
  taskDescription: string;
  /** The user's own samples: shown as examples, and never repeated by what is kept. */
  seeds: Conversation[];
  tools?: ToolDefinition[];
  count: number;
  seed: number | string;
  /** Samples asked for per request. */
  batchSize?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Upper bound on requests, so a model that keeps answering badly cannot run up an unbounded bill. */
  maxRequests?: number;
  examplesPerRequest?: number;
  temperature?: number;
  retry?: LlmRetryPolicy;
  cache?: LlmResponseCache;
  nearDuplicateThreshold?: number;
}

export interface LlmGenerationResult {
  records: DatasetRecord[];
  /** Samples the model produced that the validators refused, located by request and sample index. */
  rejected: DatasetError[];
  duplicates: number;
  requests: number;
  cacheHits: number;
}

export const LLM_SOURCE_FILE = 'llm-synthetic';

const DEFAULT_RETRY: LlmRetryPolicy = { maxAttempts: 5, initialBackoffMs: 500, maxBackoffMs: 20_000 };

const SYSTEM_PROMPT = [
  'You write training data for fine-tuning a tool-using assistant.',
  'Answer with one JSON object {"samples": [...]} and nothing else.',
  'Each sample is an OpenAI chat fine-tuning record: {"messages": [...]} with system/user/assistant/tool roles;',
  'assistant tool calls as "tool_calls": [{"id", "type": "function", "function": {"name", "arguments": "<JSON text>"}}]',
  'each answered by a {"role": "tool", "tool_call_id", "content"} message. Use only the tools given, with arguments valid',
  'against their schemas; include samples that need no tool. Vary the requests; never copy an example.',
].join(' ');

/** Parses the model's answer leniently (code fences, prose around the JSON) into candidate samples. */
export function parseSamples(completion: string): unknown[] {
  const start = completion.indexOf('{');
  const end = completion.lastIndexOf('}');
  if (start < 0 || end < start) return [];
  try {
    const value = JSON.parse(completion.slice(start, end + 1)) as unknown;
    const samples = (value as { samples?: unknown }).samples;
    return Array.isArray(samples) ? samples : [value];
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An error from the endpoint itself (an HTTP error status or no connection), as opposed to the cache's store. */
export function isLlmEndpointError(error: unknown): error is InstanceType<typeof OpenAI.APIError> {
  return error instanceof OpenAI.APIError;
}

function isRetriable(error: unknown): boolean {
  if (error instanceof OpenAI.APIConnectionError) return true;
  const status = error instanceof OpenAI.APIError ? error.status : undefined;
  return status === 429 || (status !== undefined && status >= 500);
}

/** Backoff doubles per attempt; a server's Retry-After (seconds) wins when it asks for longer, up to the cap. */
function backoffMs(error: unknown, attempt: number, policy: LlmRetryPolicy, rng: SeededRandom): number {
  const exponential = policy.initialBackoffMs * 2 ** (attempt - 1) * (0.5 + rng.next() / 2);
  const retryAfter = error instanceof OpenAI.APIError ? Number(error.headers?.get('retry-after')) : NaN;
  return Math.min(policy.maxBackoffMs, Math.max(exponential, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0));
}

/**
 * Generates chat samples with any OpenAI-compatible endpoint from the user's seed samples and task
 * description: requests are deterministic by seed and index (so a re-run hits the cache), run a few at a
 * time, retried with backoff on 429, 5xx and connection errors; every sample goes through the same reader
 * and validators as an uploaded file, and exact or near duplicates (of each other or of the seeds) are
 * dropped. Stops at `count` samples or `maxRequests` requests.
 */
export async function generateWithLlm(options: LlmGenerationOptions): Promise<LlmGenerationResult> {
  const batchSize = options.batchSize ?? 5;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxRequests = options.maxRequests ?? Math.ceil(options.count / batchSize) * 3;
  const retry = options.retry ?? DEFAULT_RETRY;
  const rng = new SeededRandom(options.seed);
  // Retries are ours (with the cache and the policy above), not the SDK's hidden ones.
  const client = new OpenAI({ baseURL: options.endpoint.baseURL, apiKey: options.endpoint.apiKey, maxRetries: 0 });

  const hasher = new MinHasher();
  const threshold = options.nearDuplicateThreshold ?? 0.8;
  const seenSignatures = options.seeds.map((conversation) => hasher.signature(recordText({ kind: 'conversation', format: 'openai_chat', location: { file: '', line: 0 }, conversation })));
  const seenExact = new Set(options.seeds.map((c) => JSON.stringify(c)));
  const result: LlmGenerationResult = { records: [], rejected: [], duplicates: 0, requests: 0, cacheHits: 0 };

  const requestFor = (index: number) => {
    const r = rng.fork(`request-${index}`);
    const examples = r.sample(options.seeds, Math.min(options.examplesPerRequest ?? 3, options.seeds.length));
    const user = [
      `Task: ${options.taskDescription}`,
      options.tools?.length ? `Tools: ${JSON.stringify(options.tools)}` : 'No tools: every sample answers directly.',
      `Examples:\n${examples.map((e) => JSON.stringify(e)).join('\n')}`,
      `Write ${batchSize} new samples (variation ${index}).`,
    ].join('\n\n');
    return {
      model: options.endpoint.model,
      temperature: options.temperature ?? 0.9,
      messages: [
        { role: 'system' as const, content: SYSTEM_PROMPT },
        { role: 'user' as const, content: user },
      ],
    };
  };

  const complete = async (index: number): Promise<string> => {
    const request = requestFor(index);
    const hash = requestHash({ baseURL: options.endpoint.baseURL, ...request });
    const cached = await options.cache?.get(hash);
    if (cached !== undefined) {
      result.cacheHits++;
      return cached;
    }
    const backoffRng = rng.fork(`backoff-${index}`);
    for (let attempt = 1; ; attempt++) {
      try {
        result.requests++;
        const response = await client.chat.completions.create(request);
        const text = response.choices[0]?.message?.content ?? '';
        await options.cache?.put(hash, text);
        return text;
      } catch (error) {
        if (!isRetriable(error) || attempt >= retry.maxAttempts) throw error;
        await sleep(backoffMs(error, attempt, retry, backoffRng));
      }
    }
  };

  const accept = (raw: unknown, index: number, sample: number) => {
    const withTools = raw && typeof raw === 'object' && !('tools' in raw) && options.tools?.length ? { ...raw, tools: options.tools } : raw;
    const normalized = openAIChatFormat.normalize(withTools);
    if (!normalized.ok) {
      for (const issue of normalized.issues) {
        result.rejected.push(new DatasetError({ code: 'invalid_record', file: LLM_SOURCE_FILE, line: index + 1, path: `samples[${sample}]${issue.path ? `.${issue.path}` : ''}`, expected: issue.expected, received: issue.received }));
      }
      return;
    }
    if (normalized.record.kind !== 'conversation' || result.records.length >= options.count) return;
    const record: DatasetRecord = { kind: 'conversation', format: 'openai_chat', location: { file: LLM_SOURCE_FILE, line: index + 1 }, conversation: normalized.record.conversation };
    const exact = JSON.stringify(record.conversation);
    const signature = hasher.signature(recordText(record));
    const near = findNearDuplicates([...seenSignatures, signature], threshold).some((p) => p.b === seenSignatures.length);
    if (seenExact.has(exact) || near) {
      result.duplicates++;
      return;
    }
    seenExact.add(exact);
    seenSignatures.push(signature);
    result.records.push(record);
  };

  // Rounds of up to `concurrency` requests; results are taken in request order so the outcome is deterministic.
  for (let next = 0; result.records.length < options.count && next < maxRequests; ) {
    const needed = Math.ceil((options.count - result.records.length) / batchSize);
    const round = Array.from({ length: Math.min(concurrency, needed, maxRequests - next) }, (_, k) => next + k);
    next += round.length;
    const completions = await Promise.all(round.map(complete));
    completions.forEach((completion, k) => parseSamples(completion).forEach((raw, sample) => accept(raw, round[k], sample)));
  }
  return result;
}
