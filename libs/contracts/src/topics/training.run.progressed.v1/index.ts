import { z } from 'zod';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

/**
 * One optimizer step of a run (published every step or every N steps); becomes a job event of type
 * "metrics". Steps are 1-based and, across restarts of the pod, published once each and in order.
 */
export const trainingRunProgressedV1 = defineTopic(
  'training.run.progressed.v1',
  z
    .object({
      runId: keySafeIdSchema,
      jobId: keySafeIdSchema,
      step: z.number().int().positive(),
      totalSteps: z.number().int().positive(),
      epoch: z.number().nonnegative(),
      /** Mean loss over the step's labeled tokens (a DPO run: the DPO loss of the step's pairs, RPO term included). */
      loss: z.number(),
      learningRate: z.number().nonnegative(),
      gradNorm: z.number().nonnegative().optional(),
      /** Trained (labeled) tokens of this step. */
      tokens: z.number().int().nonnegative(),
      tokensPerSecond: z.number().nonnegative(),
      /** Estimated seconds until the last step, from this attempt's mean step time. */
      etaSeconds: z.number().nonnegative(),
      /** Mean loss over the whole validation split, at the steps that save a checkpoint (absent without validation data). */
      validLoss: z.number().optional(),
      /**
       * Share of the step's labeled tokens the model's greedy prediction got right, measured by the step's own
       * forward passes (OpenAI's train_mean_token_accuracy; supervised runs only).
       */
      tokenAccuracy: z.number().min(0).max(1).optional(),
      /** The same over the whole validation split, at the steps that measure validLoss (supervised runs only). */
      validTokenAccuracy: z.number().min(0).max(1).optional(),
      /** On the first step a restarted pod publishes: the checkpoint step it resumed from. */
      resumedFromStep: z.number().int().nonnegative().optional(),
      /**
       * Steps since the last progress that ran out of memory and were redone with a smaller micro-batch (twice the
       * accumulation, the same global batch): the step, the sizes before and after, micro-batches per step now.
       */
      memoryRetries: z
        .array(z.object({ step: z.number().int().positive(), fromMicroBatchSize: z.number().int().positive(), toMicroBatchSize: z.number().int().positive(), accumulation: z.number().int().positive() }).strict())
        .max(64)
        .optional(),
      /**
       * A DPO run's step metrics (TRL's rewards/* and logps/*; rewards are β × the policy/reference log-ratio),
       * measured by the step's policy passes: means over its pairs of the chosen and rejected rewards, the reward
       * margin (chosen − rejected), the reward accuracy (share of pairs whose chosen reward is higher), the summed
       * policy log-probs of the chosen and rejected outputs; at checkpoint steps also the validation pairs'
       * reward accuracy and margin (`loss` and `validLoss` are then the DPO loss).
       */
      preference: z
        .object({
          rewardsChosen: z.number(),
          rewardsRejected: z.number(),
          rewardMargin: z.number(),
          rewardAccuracy: z.number().min(0).max(1),
          logpsChosen: z.number(),
          logpsRejected: z.number(),
          validRewardAccuracy: z.number().min(0).max(1).optional(),
          validRewardMargin: z.number().optional(),
        })
        .strict()
        .optional(),
      /**
       * A reinforcement (GRPO) run's step metrics, measured on the step's rollouts: the mean and std of the episodes'
       * rewards, the mean k3 KL to the starting model over the generated tokens (0 when beta is 0 and nothing measured
       * it), the share of generated tokens whose importance ratio was clipped, the groups whose episodes all scored the
       * same (no signal), the mean generated tokens per episode and the share cut by the token budget; at every
       * `evalInterval` steps also the validation episodes' mean reward and pass rate (`loss` is the GRPO loss).
       */
      reinforcement: z
        .object({
          rewardMean: z.number(),
          rewardStd: z.number().nonnegative(),
          kl: z.number(),
          clipRatio: z.number().min(0).max(1),
          zeroStdGroups: z.number().int().nonnegative(),
          groups: z.number().int().positive(),
          meanGeneratedTokens: z.number().nonnegative(),
          truncatedShare: z.number().min(0).max(1),
          validRewardMean: z.number().optional(),
          validPassRate: z.number().min(0).max(1).optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
  { partitions: 6, retentionMs: 3 * 24 * 60 * 60 * 1000 },
);
