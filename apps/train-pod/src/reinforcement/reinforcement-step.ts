import type { Message } from '@tuneforge/datasets';
import { trajectoryGraderSample, type GraderSample } from '@tuneforge/graders';
import { grpoAccumulate, groupAdvantages, sampleLogprobs, type GrpoMetrics, type GrpoSample, type Model, type SampleLogprobs, type Trainer } from '@tuneforge/engine';
import type { ResolvedGrpoConfig } from './grpo-settings';
import { rolloutGroup, type Episode, type RolloutSettings, type TokenAgentModel } from './rollouts';

/** A prompt of the dataset: its messages (the last a user message) and the whole line, which the grader reads as `item`. */
export interface ReinforcementTask {
  messages: Message[];
  item: Record<string, unknown>;
}

/**
 * Scores one episode (libs/graders' runGrader with the job's grader, in the pod). A sample's own failure is a
 * score (0, usually); a thrown error is the run's failure (an endpoint that stays down) and ends the run.
 */
export type GradeFunction = (sample: GraderSample, item: Record<string, unknown>) => Promise<number>;

export interface ReinforcementContext {
  trainer: Trainer;
  /** The policy on the serving path: the trainer's model, decoded in batches. */
  policy: TokenAgentModel;
  /** Full fine-tuning with beta > 0: the starting weights, loaded a second time. LoRA needs none (adapter off). */
  reference?: Model;
  lora: boolean;
  grade: GradeFunction;
  rollout: Omit<RolloutSettings, 'numChains' | 'maxTurns' | 'maxNewTokens' | 'temperature' | 'seed' | 'tools'>;
  /** The tools of a task's episodes (built anew for each group). */
  toolsOf: (task: ReinforcementTask) => RolloutSettings['tools'];
  settings: ResolvedGrpoConfig;
  microBatchSamples: number;
  padTokenId: number;
}

export interface ReinforcementStepResult {
  metrics: GrpoMetrics;
  rewardMean: number;
  rewardStd: number;
  /** Groups whose episodes all scored the same: no signal from them this step. */
  zeroStdGroups: number;
  meanGeneratedTokens: number;
  /** Share of episodes with a generation cut by its token budget. */
  truncatedShare: number;
  /** Tokens of every segment trained on (prompts included): the step's throughput count. */
  tokens: number;
  /** The step's rollouts by task (its group), their rewards, and the advantages in the same order, flattened. */
  rollouts: { episodes: Episode[][]; rewards: number[][]; advantages: number[] };
}

function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

/** Every task's group of episodes, side by side (one batch on the serving path), then graded. */
export async function rolloutAndGrade(ctx: Pick<ReinforcementContext, 'policy' | 'grade' | 'rollout' | 'toolsOf'>, tasks: readonly ReinforcementTask[], run: Pick<RolloutSettings, 'numChains' | 'maxTurns' | 'maxNewTokens' | 'temperature' | 'seed'>): Promise<{ episodes: Episode[][]; rewards: number[][] }> {
  const episodes = await Promise.all(tasks.map((task, i) => rolloutGroup(ctx.policy, task.messages, { ...ctx.rollout, tools: ctx.toolsOf(task), ...run, seed: run.seed + i * run.numChains })));
  const rewards = await Promise.all(episodes.map((group, i) => Promise.all(group.map((episode) => ctx.grade(trajectoryGraderSample(episode.trajectory), tasks[i].item)))));
  rewards.flat().forEach((r) => {
    if (!Number.isFinite(r)) throw new Error(`the grader returned ${r}, not a finite score`);
  });
  return { episodes, rewards };
}

/**
 * A batch of rollouts ready to train on, possibly several times (`numIterations`): each task rolled out `numChains`
 * times with the policy as it was then, graded, with group-normalized advantages, the reference's log-probs (β > 0:
 * the reference never changes, so once per batch), and with several updates the policy's own log-probs at rollout
 * time (the "old" policy the importance ratio compares against; TRL computes them only then too).
 */
export interface RolloutBatch {
  samples: GrpoSample[];
  old?: SampleLogprobs;
  reference?: SampleLogprobs;
  stats: Omit<ReinforcementStepResult, 'metrics' | 'rollouts'>;
  rollouts: ReinforcementStepResult['rollouts'];
}

export async function rollOutBatch(ctx: ReinforcementContext, tasks: readonly ReinforcementTask[], seed: number): Promise<RolloutBatch> {
  const s = ctx.settings;
  const { episodes, rewards } = await rolloutAndGrade(ctx, tasks, { numChains: s.numChains, maxTurns: s.maxTurns, maxNewTokens: s.maxNewTokens, temperature: s.temperature, seed });
  const flatRewards = rewards.flat();
  const { advantages, zeroStdGroups } = groupAdvantages(flatRewards, s.numChains, s.rewardScaling);
  const all = episodes.flat();
  // An episode without a generated token (an empty generation) has nothing to train; it still counted in its group's baseline.
  const samples: GrpoSample[] = all.flatMap((episode, i) => (episode.segments.length > 0 ? [{ segments: episode.segments, advantage: advantages[i] }] : []));
  if (samples.length === 0) throw new Error(`no episode of the step generated a token (do its prompts fit the context, maxSequenceLength?): nothing to train on`);
  const { mean, std } = meanStd(flatRewards);
  const stats = {
    rewardMean: mean,
    rewardStd: std,
    zeroStdGroups,
    meanGeneratedTokens: all.reduce((n, e) => n + e.generatedTokens, 0) / all.length,
    truncatedShare: all.filter((e) => e.truncated).length / all.length,
    tokens: samples.reduce((n, sample) => n + sample.segments.reduce((m, seg) => m + seg.tokens.length, 0), 0),
  };
  const reference = s.beta > 0 ? await referenceLogprobs(ctx, samples) : undefined;
  const old = s.numIterations > 1 ? await sampleLogprobs(ctx.trainer.model, samples) : undefined;
  return { samples, ...(old ? { old } : {}), ...(reference ? { reference } : {}), stats, rollouts: { episodes, rewards, advantages } };
}

/**
 * One GRPO update's gradient on a batch (the caller then calls trainer.step()): the clipped-surrogate + KL gradient
 * accumulated over the episodes' generated tokens. With one update per batch the ratio is 1 (the policy is the one
 * that sampled); later updates on the same batch clip against the log-probs it had at rollout time.
 */
export async function trainOnBatch(ctx: ReinforcementContext, batch: RolloutBatch): Promise<ReinforcementStepResult> {
  const s = ctx.settings;
  const metrics = await grpoAccumulate(ctx.trainer, batch.samples, { ...(batch.old ? { old: batch.old } : {}), ...(batch.reference ? { reference: batch.reference } : {}) }, {
    beta: s.beta,
    epsilonLow: s.epsilonLow,
    epsilonHigh: s.epsilonHigh,
    aggregation: s.aggregation,
    maxCompletionLength: s.maxNewTokens * s.maxTurns,
    microBatchSamples: ctx.microBatchSamples,
    padTokenId: ctx.padTokenId,
  });
  return { metrics, ...batch.stats, rollouts: batch.rollouts };
}

/** One GRPO step on fresh rollouts of `tasks`: rollOutBatch, then trainOnBatch. */
export async function reinforcementStep(ctx: ReinforcementContext, tasks: readonly ReinforcementTask[], seed: number): Promise<ReinforcementStepResult> {
  return trainOnBatch(ctx, await rollOutBatch(ctx, tasks, seed));
}

/** The starting model's log-probs: the base with the LoRA adapter left out, or the second copy of full fine-tuning. */
async function referenceLogprobs(ctx: ReinforcementContext, samples: readonly GrpoSample[]) {
  if (ctx.lora) return sampleLogprobs(ctx.trainer.model, samples, { base: true });
  if (!ctx.reference) throw new Error('full fine-tuning with beta > 0 needs the starting model loaded as the reference');
  return sampleLogprobs(ctx.reference, samples);
}

export interface ReinforcementEval {
  /** Mean score of the validation episodes. */
  rewardMean: number;
  /** Share of them scoring at least `passThreshold`. */
  passRate: number;
  episodes: number;
}

/** One greedy episode per validation task (the first `evalSamples`), graded: the run's held-out pass rate. */
export async function reinforcementEval(ctx: Pick<ReinforcementContext, 'policy' | 'grade' | 'rollout' | 'toolsOf' | 'settings'>, tasks: readonly ReinforcementTask[]): Promise<ReinforcementEval> {
  const s = ctx.settings;
  // One chain per task, greedy: the pass rate of the model as it would answer, not of its exploration.
  const { rewards } = await rolloutAndGrade(ctx, tasks, { numChains: 1, maxTurns: s.maxTurns, maxNewTokens: s.maxNewTokens, temperature: 0, seed: 0 });
  const scores = rewards.flat();
  return {
    rewardMean: scores.reduce((a, b) => a + b, 0) / Math.max(scores.length, 1),
    passRate: scores.filter((r) => r >= s.passThreshold).length / Math.max(scores.length, 1),
    episodes: scores.length,
  };
}
