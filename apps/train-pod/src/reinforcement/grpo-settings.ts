// The GRPO settings live in libs/contracts (the job config carries them as `training.grpo`).
export { DEFAULT_GRPO_CONFIG, chainsOfComputeMultiplier, grpoConfigSchema, resolveGrpoConfig, type GrpoConfig, type ResolvedGrpoConfig } from '@tuneforge/contracts';
