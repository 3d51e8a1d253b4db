export * from './errors';
export * from './config';
export {
  EXPORT_DTYPES,
  type AddedToken,
  Model,
  Trainer,
  type ExportDtype,
  type Generation,
  type ModelInfo,
  type SaveMergedOptions,
  type StepResult,
  type WeightedTokenBatch,
} from './model';
export { DecodeSession, type SessionStepResult, type TokenLogprob } from './session';
export { readSafetensors, type Tensor } from './safetensors';
export { addonPath } from './binding';
export { cgroupCpuQuota, defaultThreadCount } from './cpu-budget';
export { memoryStats, setMemoryLimit, type MemoryStats } from './memory';
export {
  dpoAccumulate,
  dpoMetrics,
  pairLogprobs,
  type DpoAccumulateOptions,
  type DpoMetrics,
  type DpoOptions,
  type PairLogprobs,
  type PreferenceIds,
} from './dpo';
export {
  checkSamples,
  grpoAccumulate,
  grpoMetrics,
  lossTokensOf,
  sampleLogprobs,
  type GrpoAccumulateOptions,
  type GrpoMetrics,
  type GrpoSample,
  type GrpoSegment,
  type SampleLogprobs,
} from './grpo';
export {
  ADVANTAGE_EPS,
  GRPO_AGGREGATIONS,
  REWARD_SCALINGS,
  checkGrpoOptions,
  groupAdvantages,
  tokenTerm,
  type Advantages,
  type GrpoAggregation,
  type GrpoOptions,
  type RewardScaling,
  type TokenTerm,
} from './grpo-loss';
