import { invalid } from './errors';

export type Backend = 'cpu' | 'cuda';

export interface LoadOptions {
  /**
   * Operation table to run on: `cpu`, or `cuda` where the engine was built with the CUDA backend and a device is
   * visible (otherwise loading fails saying which). Absent: the process's TF_ENGINE_BACKEND, else `cpu` (the CUDA
   * image of the training pod, evaluator and inference sets it: docker/Dockerfile.train-pod).
   */
  backend?: Backend;
  /** Worker threads for kernels; 0 or absent = the CPUs this process may use, capped by its cgroup's CPU quota. */
  threads?: number;
}

/** Projection names as PEFT's `target_modules` spells them; the bit order matches the C header. */
export const LORA_TARGET_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTargetModule = (typeof LORA_TARGET_MODULES)[number];

export type Schedule = 'constant' | 'linear' | 'cosine';
const SCHEDULES: readonly Schedule[] = ['constant', 'linear', 'cosine'];

export interface LoraConfig {
  r: number;
  alpha: number;
  dropout?: number;
  targetModules: readonly LoraTargetModule[];
}

export interface TrainConfig {
  mode: 'full' | 'lora';
  lora?: LoraConfig;
  lr: number;
  betas?: readonly [number, number];
  eps?: number;
  /** Decoupled (AdamW) decay, applied to matrices only: biases and norm weights are exempt. */
  weightDecay?: number;
  /** Global L2 norm to clip to; absent or 0 = no clipping. */
  maxGradNorm?: number;
  schedule?: Schedule;
  warmupSteps?: number;
  /** Needed by linear and cosine schedules. */
  totalSteps?: number;
  seed?: number;
  /** Recompute layer activations in the backward pass instead of keeping them. */
  recompute?: boolean;
}

/** The flat shape the addon passes to tf_train_config. */
export interface NativeTrainConfig {
  mode: number;
  loraRank: number;
  loraAlpha: number;
  loraDropout: number;
  loraTargets: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maxGradNorm: number;
  schedule: number;
  warmupSteps: number;
  totalSteps: number;
  seed: number;
  recompute: number;
}

function finite(value: unknown, name: string, min: number, max = Infinity, minInclusive = true): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${name} must be a finite number`);
  if (minInclusive ? value < min : value <= min) throw invalid(`${name} must be ${minInclusive ? '>=' : '>'} ${min}`);
  if (value > max) throw invalid(`${name} must be <= ${max}`);
  return value;
}

function integer(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(`${name} must be an integer`);
  if (value < min) throw invalid(`${name} must be >= ${min}`);
  return value;
}

export function resolveTrainConfig(config: TrainConfig): NativeTrainConfig {
  if (config.mode !== 'full' && config.mode !== 'lora') throw invalid(`mode must be 'full' or 'lora'`);
  const schedule = config.schedule ?? 'constant';
  if (!SCHEDULES.includes(schedule)) throw invalid(`schedule must be one of ${SCHEDULES.join(', ')}`);
  const betas = config.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) throw invalid('betas must be a pair of numbers');
  const totalSteps = config.totalSteps ?? 0;
  integer(totalSteps, 'totalSteps', 0);
  if (schedule !== 'constant' && totalSteps < 1) throw invalid(`totalSteps is required by the ${schedule} schedule`);
  let loraRank = 0;
  let loraAlpha = 0;
  let loraDropout = 0;
  let loraTargets = 0;
  if (config.mode === 'lora') {
    const lora = config.lora;
    if (!lora) throw invalid('lora settings are required in lora mode');
    loraRank = integer(lora.r, 'lora.r', 1);
    loraAlpha = finite(lora.alpha, 'lora.alpha', 0, Infinity, false);
    loraDropout = finite(lora.dropout ?? 0, 'lora.dropout', 0, 0.999);
    if (!Array.isArray(lora.targetModules) || lora.targetModules.length === 0)
      throw invalid('lora.targetModules must name at least one module');
    for (const name of lora.targetModules) {
      const bit = LORA_TARGET_MODULES.indexOf(name);
      if (bit < 0) throw invalid(`unknown lora target module '${name}' (known: ${LORA_TARGET_MODULES.join(', ')})`);
      loraTargets |= 1 << bit;
    }
  } else if (config.lora) {
    throw invalid('lora settings given but mode is full');
  }
  return {
    mode: config.mode === 'lora' ? 1 : 0,
    loraRank,
    loraAlpha,
    loraDropout,
    loraTargets,
    lr: finite(config.lr, 'lr', 0),
    beta1: finite(betas[0], 'betas[0]', 0, 0.999999),
    beta2: finite(betas[1], 'betas[1]', 0, 0.999999),
    eps: finite(config.eps ?? 1e-8, 'eps', 0, Infinity, false),
    weightDecay: finite(config.weightDecay ?? 0, 'weightDecay', 0),
    maxGradNorm: finite(config.maxGradNorm ?? 0, 'maxGradNorm', 0),
    schedule: SCHEDULES.indexOf(schedule),
    warmupSteps: integer(config.warmupSteps ?? 0, 'warmupSteps', 0),
    totalSteps,
    seed: integer(config.seed ?? 0, 'seed', 0),
    recompute: config.recompute ? 1 : 0,
  };
}

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 or absent = greedy. */
  temperature?: number;
  /** 0 or absent = off. */
  topK?: number;
  /** 1 or absent = off. */
  topP?: number;
  seed?: number;
  /** Token sequences that end generation; a matched sequence is removed from the output. */
  stop?: readonly (readonly number[])[];
}

export interface NativeGenerateOptions {
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  stopTokens: Int32Array;
  stopOffsets: Int32Array;
}

export function resolveGenerateOptions(o: GenerateOptions, vocabSize: number): NativeGenerateOptions {
  const stop = o.stop ?? [];
  if (!Array.isArray(stop)) throw invalid('stop must be an array of token sequences');
  const stopOffsets = [0];
  const flat: number[] = [];
  stop.forEach((seq, i) => {
    if (!Array.isArray(seq) || seq.length === 0) throw invalid(`stop[${i}] must be a non-empty token array`);
    seq.forEach((t) => checkToken(t, `stop[${i}]`, vocabSize));
    flat.push(...seq);
    stopOffsets.push(flat.length);
  });
  return {
    maxNewTokens: integer(o.maxNewTokens, 'maxNewTokens', 1),
    temperature: finite(o.temperature ?? 0, 'temperature', 0),
    topK: integer(o.topK ?? 0, 'topK', 0),
    topP: finite(o.topP ?? 1, 'topP', 0, 1, false),
    seed: integer(o.seed ?? 0, 'seed', 0),
    stopTokens: Int32Array.from(flat),
    stopOffsets: Int32Array.from(stop.length ? stopOffsets : []),
  };
}

/** A decode session's limits: sequences active at once, and prompt + generated tokens per sequence. */
export interface SessionOptions {
  maxSequences: number;
  /** A sequence that reaches it finishes with 'length'; a prompt must leave room for one token. */
  maxContext: number;
}

/** The most alternatives a session reports per token (TF_MAX_TOP_LOGPROBS). */
export const MAX_TOP_LOGPROBS = 20;

/** One sequence of a decode session: tf_generate's options plus the alternatives to report per token. */
export interface SequenceOptions extends GenerateOptions {
  /** 0 or absent = none; at most MAX_TOP_LOGPROBS. */
  topLogprobs?: number;
  /** The LoRA slot (Model.addLoraSlot) the sequence decodes with; 0 or absent = the base alone. */
  loraSlot?: number;
}

export interface NativeSequenceOptions extends NativeGenerateOptions {
  topLogprobs: number;
  slot: number;
}

export function resolveSessionOptions(o: SessionOptions): SessionOptions {
  if (typeof o !== 'object' || o === null) throw invalid('session options must be an object');
  return {
    maxSequences: integer(o.maxSequences, 'maxSequences', 1),
    maxContext: integer(o.maxContext, 'maxContext', 2),
  };
}

export function resolveSequenceOptions(o: SequenceOptions, vocabSize: number): NativeSequenceOptions {
  if (typeof o !== 'object' || o === null) throw invalid('sequence options must be an object');
  const topLogprobs = integer(o.topLogprobs ?? 0, 'topLogprobs', 0);
  if (topLogprobs > MAX_TOP_LOGPROBS) throw invalid(`topLogprobs must be <= ${MAX_TOP_LOGPROBS}`);
  const slot = integer(o.loraSlot ?? 0, 'loraSlot', 0);
  return { ...resolveGenerateOptions(o, vocabSize), topLogprobs, slot };
}

export function checkToken(t: unknown, where: string, vocabSize: number): void {
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= vocabSize)
    throw invalid(`${where}: token ${String(t)} is not an id in [0, ${vocabSize})`);
}

/** A batch of equal-length rows. labels use -100 for tokens that do not count towards the loss. */
export interface TokenBatch {
  inputIds: readonly (readonly number[])[];
  labels: readonly (readonly number[])[];
  /** Per-row positions; a position that does not continue the previous one starts a new packed sample. */
  positionIds?: readonly (readonly number[])[];
}

export interface FlatRows {
  data: Int32Array;
  batch: number;
  seq: number;
}

export function flattenRows(
  rows: readonly (readonly number[])[],
  name: string,
  check: (value: number, where: string) => void,
): FlatRows {
  if (!Array.isArray(rows) || rows.length === 0) throw invalid(`${name} must be a non-empty array of rows`);
  const seq = rows[0]?.length ?? 0;
  if (seq === 0) throw invalid(`${name} rows must not be empty`);
  const data = new Int32Array(rows.length * seq);
  rows.forEach((row, b) => {
    if (!Array.isArray(row) || row.length !== seq)
      throw invalid(`${name}[${b}] has ${Array.isArray(row) ? row.length : 'no'} tokens; every row needs ${seq}`);
    row.forEach((v, t) => {
      check(v, `${name}[${b}][${t}]`);
      data[b * seq + t] = v;
    });
  });
  return { data, batch: rows.length, seq };
}
