import type { JobConfig, PayloadOf, dataPreparationRequestedV1 } from '@tuneforge/contracts';
import {
  conversationToReact,
  DatasetError,
  generateToolSamples,
  generateWithLlm,
  isLlmEndpointError,
  type Conversation,
  type DatasetRecord,
  type LlmResponseCache,
  type ReactPromptCompletion,
} from '@tuneforge/datasets';
import type { LlmSynthesisSettings } from '../config/datagen-config';

type RecordKind = DatasetRecord['kind'];
export type SynthesisSource = 'templates' | 'llm';

export interface SynthesisRequest {
  kind: RecordKind;
  /** The user's training records: the LLM's examples, and what its samples must not duplicate. */
  seeds: DatasetRecord[];
  synthesis: JobConfig['synthesis'];
  tools: PayloadOf<typeof dataPreparationRequestedV1>['tools'];
  taskDescription?: string;
  /** The endpoint datagen is configured with, if any, and the cache its completions go to. */
  llm?: { settings: LlmSynthesisSettings; cache?: LlmResponseCache };
}

/** What the report says about synthesis: where the samples came from and what the LLM's cost and waste were. */
export interface SynthesisSummary {
  source: SynthesisSource;
  requested: number;
  generated: number;
  skippedTools: Array<{ name: string; reason: string }>;
  llm?: { model: string; requests: number; cacheHits: number; rejected: number; duplicates: number; rejectedListed: ReturnType<DatasetError['toJSON']>[] };
}

export type SynthesisOutcome = { records: DatasetRecord[]; summary: SynthesisSummary } | { error: DatasetError };

const REQUEST = '<request>';
const MAX_LISTED_REJECTIONS = 20;
const DEFAULT_TASK = 'Assist users like in the examples, calling the given tools when a request needs them.';

const requestError = (path: string, expected: string, received?: string) => ({ error: new DatasetError({ code: 'invalid_record', file: REQUEST, path, expected, received }) });

/**
 * Synthetic samples for a task that asked for them. `synthesis.source` picks the generator: `templates`
 * (seeded tool-use templates), `llm` (the configured OpenAI-compatible endpoint, from the user's samples and
 * the task description) or `auto`/absent (llm when an endpoint is configured, templates otherwise). One
 * source per task, never a mix, so the report says plainly where the samples came from.
 */
export async function synthesize(request: SynthesisRequest): Promise<SynthesisOutcome> {
  if (request.kind === 'preference') {
    return requestError('synthesis.enabled', 'false for a preference dataset (synthesis writes chat samples, not preference pairs)');
  }
  const asked = request.synthesis.source ?? 'auto';
  if (asked === 'llm' && !request.llm) {
    return requestError('synthesis.source', "'templates' or 'auto': datagen has no LLM endpoint configured (TF_SYNTH_LLM_BASE_URL)", 'llm');
  }
  return asked !== 'templates' && request.llm ? fromLlm(request, request.llm) : fromTemplates(request);
}

function fromTemplates(request: SynthesisRequest): SynthesisOutcome {
  const { samples, skippedTools } = generateToolSamples(request.tools, {
    seed: request.synthesis.seed,
    count: request.synthesis.samples,
    noToolShare: request.synthesis.noToolRatio,
  });
  if (samples.length === 0) {
    const reasons = skippedTools.map((t) => `${t.name}: ${t.reason}`).join('; ');
    return requestError('tools', 'at least one usable tool definition when synthesis is enabled', reasons || 'no tools');
  }
  const records = asKind(
    request.kind,
    samples.map((s) => s.conversation),
    samples.map((s) => s.react),
    'synthetic',
  );
  return { records, summary: { source: 'templates', requested: request.synthesis.samples, generated: samples.length, skippedTools } };
}

async function fromLlm(request: SynthesisRequest, llm: NonNullable<SynthesisRequest['llm']>): Promise<SynthesisOutcome> {
  const { settings } = llm;
  const seeds = request.seeds.flatMap((r): Conversation[] => (r.kind === 'conversation' ? [r.conversation] : []));
  let result;
  try {
    result = await generateWithLlm({
      endpoint: settings.endpoint,
      taskDescription: request.taskDescription?.trim() || DEFAULT_TASK,
      seeds,
      tools: request.tools,
      count: request.synthesis.samples,
      seed: request.synthesis.seed,
      batchSize: settings.batchSize,
      concurrency: settings.concurrency,
      maxRequests: settings.maxRequests,
      retry: settings.retry,
      cache: llm.cache,
    });
  } catch (error) {
    // The endpoint's failure (after its retry budget) is the task's answer; a store error stays retriable.
    if (!isLlmEndpointError(error)) throw error;
    const status = 'status' in error && error.status !== undefined ? `HTTP ${error.status}: ` : '';
    return {
      error: new DatasetError({
        code: 'synthesis_failed',
        file: REQUEST,
        path: 'synthesis.source',
        expected: `the configured LLM endpoint (model ${settings.endpoint.model}) to answer`,
        received: `${status}${error.message}`.slice(0, 200),
      }),
    };
  }
  const conversations = result.records.flatMap((r) => (r.kind === 'conversation' ? [r.conversation] : []));
  const records = asKind(
    request.kind,
    conversations,
    conversations.map((c) => conversationToReact(c, { describeTools: true })),
    'llm-synthetic',
  );
  return {
    records,
    summary: {
      source: 'llm',
      requested: request.synthesis.samples,
      generated: conversations.length,
      skippedTools: [],
      llm: {
        model: settings.endpoint.model,
        requests: result.requests,
        cacheHits: result.cacheHits,
        rejected: result.rejected.length,
        duplicates: result.duplicates,
        rejectedListed: result.rejected.slice(0, MAX_LISTED_REJECTIONS).map((e) => e.toJSON()),
      },
    },
  };
}

/** A prompt/completion (ReAct) dataset gets the same samples in ReAct form, so the file stays one format. */
function asKind(kind: RecordKind, conversations: Conversation[], react: ReactPromptCompletion[][], file: string): DatasetRecord[] {
  const location = (index: number) => ({ file, line: index + 1 });
  return kind === 'conversation'
    ? conversations.map((conversation, i) => ({ kind: 'conversation', format: 'openai_chat', location: location(i), conversation }))
    : react.flat().map((r, i) => ({ kind: 'prompt_completion', format: 'prompt_completion', location: location(i), sample: { prompt: r.prompt, completion: r.completion } }));
}
