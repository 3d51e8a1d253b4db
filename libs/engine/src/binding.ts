import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import type { NativeGenerateOptions, NativeSequenceOptions, NativeTrainConfig } from './config';
import { EngineError } from './errors';

/** Opaque native handles. */
export type ModelHandle = { readonly __brand: 'tf_model' };
export type TrainerHandle = { readonly __brand: 'tf_trainer' };
export type SessionHandle = { readonly __brand: 'tf_session' };

export interface NativeModelInfo {
  architecture: string;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  tieWordEmbeddings: boolean;
  numParameters: number;
}

export interface NativeStepResult {
  step: number;
  lr: number;
  gradNorm: number;
  loss: number;
  tokens: number;
  /** Of `tokens`, those the greedy prediction got right (plain accumulate only; 0 after weighted ones). */
  correctTokens: number;
}

export interface NativeGeneration {
  tokens: Int32Array;
  logprobs: Float32Array;
  lengths: Int32Array;
  finish: Int32Array;
}

/** One sequence's tf_step_output; finish: -1 none, 0 length, 1 stop. */
export interface NativeStepOutput {
  id: number;
  token: number;
  logprob: number;
  finish: number;
  held: number;
  top: { token: number; logprob: number }[];
}

export interface NativeMemoryStats {
  inUse: number;
  peak: number;
}

export interface NativeTensor {
  shape: number[];
  data: Float32Array;
}

/** The functions native/addon/addon.cpp exports. */
export interface NativeBinding {
  loadModel(dir: string, backend: string, threads: number): Promise<ModelHandle>;
  modelInfo(model: ModelHandle): NativeModelInfo;
  forward(model: ModelHandle, ids: Int32Array, pos: Int32Array | null, batch: number, seq: number): Promise<Float32Array>;
  tokenLogprobs(model: ModelHandle, tokens: Int32Array, offsets: Int32Array): Promise<Float32Array>;
  tokenScores(model: ModelHandle, tokens: Int32Array, offsets: Int32Array): Promise<{ logprobs: Float32Array; greedy: Uint8Array }>;
  tokenLogprobsBase(model: ModelHandle, tokens: Int32Array, offsets: Int32Array): Promise<Float32Array>;
  addTokens(model: ModelHandle, n: number): Promise<void>;
  generate(model: ModelHandle, tokens: Int32Array, offsets: Int32Array, o: NativeGenerateOptions): Promise<NativeGeneration>;
  saveMerged(model: ModelHandle, sourceDir: string | null, outDir: string, dtype: string | null): Promise<void>;
  saveAdapter(model: ModelHandle, baseModelName: string, tokenizerDir: string | null, outDir: string): Promise<void>;
  mergeAdapter(model: ModelHandle): Promise<void>;
  loadPeftAdapter(model: ModelHandle, adapterDir: string): Promise<void>;
  freeModel(model: ModelHandle): void;
  createTrainer(model: ModelHandle, config: NativeTrainConfig): Promise<TrainerHandle>;
  accumulate(
    trainer: TrainerHandle,
    ids: Int32Array,
    labels: Int32Array,
    pos: Int32Array | null,
    batch: number,
    seq: number,
  ): Promise<number>;
  accumulateWeighted(
    trainer: TrainerHandle,
    ids: Int32Array,
    labels: Int32Array,
    weights: Float32Array,
    pos: Int32Array | null,
    batch: number,
    seq: number,
    units: number,
  ): Promise<{ loss: number; tokenLogprobs: Float32Array }>;
  step(trainer: TrainerHandle): Promise<NativeStepResult>;
  discard(trainer: TrainerHandle): Promise<void>;
  setMemoryLimit(backend: string, bytes: number): void;
  memoryStats(backend: string, resetPeak: boolean): NativeMemoryStats;
  paramNames(trainer: TrainerHandle): string[];
  stepCount(trainer: TrainerHandle): number;
  grad(trainer: TrainerHandle, name: string): Float32Array;
  loadAdapter(trainer: TrainerHandle, path: string, prefix: string): Promise<void>;
  saveCheckpoint(trainer: TrainerHandle, dir: string): Promise<void>;
  resumeCheckpoint(trainer: TrainerHandle, dir: string): Promise<void>;
  freeTrainer(trainer: TrainerHandle): void;
  readSafetensors(path: string): Promise<Record<string, NativeTensor>>;
  createSession(model: ModelHandle, maxSequences: number, maxContext: number): Promise<SessionHandle>;
  sessionAdd(session: SessionHandle, prompt: Int32Array, o: NativeSequenceOptions): Promise<number>;
  sessionStep(session: SessionHandle): Promise<NativeStepOutput[]>;
  sessionRemove(session: SessionHandle, id: number): Promise<boolean>;
  freeSession(session: SessionHandle): void;
  /** Multi-LoRA: a saved PEFT adapter loaded into a new slot beside the unmerged base. */
  addLoraSlot(model: ModelHandle, adapterDir: string): Promise<{ slot: number; bytes: number }>;
}

/** Where `npm run build:native` (cmake-js) puts the addon; TUNEFORGE_ENGINE_ADDON overrides it. */
export function addonPath(): string {
  return process.env['TUNEFORGE_ENGINE_ADDON'] ?? resolve(__dirname, '../../../native/build-addon/Release/tuneforge_node.node');
}

let cached: NativeBinding | undefined;

/**
 * OpenMP threads that wait by spinning starve every other process on shared cores: with three training pods on
 * a 2-core machine one of them took over 60 s for a step the others did in under 2 s. Waiting threads sleep
 * instead (no measurable cost to a lone job here). Set before the addon loads libgomp, which reads it once;
 * child processes (training pods) inherit it. A value the user set is kept.
 */
export const DEFAULT_OMP_WAIT_POLICY = 'PASSIVE';

export function binding(): NativeBinding {
  if (cached) return cached;
  process.env['OMP_WAIT_POLICY'] ??= DEFAULT_OMP_WAIT_POLICY;
  const path = addonPath();
  if (!existsSync(path))
    throw new EngineError('ADDON_NOT_BUILT', `native engine addon not found at ${path}; build it with npm run build:native`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cached = require(path) as NativeBinding;
  return cached;
}
