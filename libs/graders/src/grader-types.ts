import type { Grader } from '@tuneforge/contracts';

/** What the policy produced for one prompt: the `sample` namespace of templates. */
export interface GraderSample {
  /** The model's final answer as text. */
  output_text: string;
  /** The answer as JSON; filled from `output_text` when absent and `output_text` parses as JSON. */
  output_json?: unknown;
  /** The tool calls of the answer, OpenAI's shape reduced to name and JSON-text arguments. */
  output_tools?: Array<{ name: string; arguments: string }>;
  /** The whole episode: OpenAI messages (an array, or an object with `messages`), as libs/agents' trajectories hold them. */
  trajectory?: unknown;
  /** The tool environment's state when the episode ended (what `task_success` expectations read). */
  environment?: unknown;
}

export interface GraderInput {
  sample: GraderSample;
  /** The dataset line: every field of it, the `item` namespace of templates. */
  item: Record<string, unknown>;
}

/** Where model graders, cosine similarity and python graders run. */
export interface GraderContext {
  /** An OpenAI-compatible endpoint (Tuneforge's gateway, or another): `score_model`, `logit` and `cosine` call it. */
  openai?: {
    baseURL: string;
    apiKey: string;
    fetch?: typeof fetch;
    /** The embeddings model `cosine` asks for (default `text-embedding-3-large`, OpenAI's). */
    embeddingModel?: string;
    /** Attempts for a request the endpoint cannot answer (connection refused, 5xx, 429) before the run fails (default 4). */
    attempts?: number;
    /** First backoff between attempts in ms, doubled each time (default 500). */
    backoffMs?: number;
  };
  signal?: AbortSignal;
  /** Limits of a python grader's run (defaults: OpenAI's, 120 s and 2048 MB). */
  python?: { timeoutMs: number; memoryMb: number };
}

export interface GraderResult {
  score: number;
  /** A multi grader's sub-graders by key; a task_success grader's expectations. */
  subScores?: Record<string, number>;
  /** Why the sample scored 0 (or, for a multi grader, which sub-grader failed): the sample's failure, not the run's. */
  error?: string;
}

/** How one grader type scores a sample; throws `GraderSampleError` for the sample's failures and `GraderRunError` for the run's. */
export type GraderImplementation<G extends Grader> = (grader: G, input: GraderInput, ctx: GraderContext) => Promise<GraderResult>;

/**
 * The endpoint model graders call, from a service's environment: `TF_GRADER_BASE_URL` (an OpenAI-compatible API, the
 * gateway's own `/v1` included) and `TF_GRADER_API_KEY`. The training pod and the evaluator read the same variables.
 */
export function graderContextOf(env: { TF_GRADER_BASE_URL?: string; TF_GRADER_API_KEY?: string }): GraderContext {
  return env.TF_GRADER_BASE_URL ? { openai: { baseURL: env.TF_GRADER_BASE_URL, apiKey: env.TF_GRADER_API_KEY ?? '' } } : {};
}
