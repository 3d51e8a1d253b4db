import { z } from 'zod';
import { grpoConfigSchema } from './grpo-config.schema';
import { graderSchema } from '../graders/grader.schema';
import { approvalRuleSchema, MAX_APPROVAL_TIMEOUT_SECONDS } from './approval-rule.schema';

/**
 * The configuration a job runs with: `configs/default_config.json` overlaid with what the job asked for.
 * Strict objects so that a misspelt key is an error, not a silently ignored setting.
 */
export const loraConfigSchema = z
  .object({
    rank: z.number().int().min(1).max(1024),
    alpha: z.number().positive(),
    dropout: z.number().min(0).lt(1),
    targetModules: z.array(z.string().min(1)).min(1),
  })
  .strict();

/**
 * The training objectives: supervised fine-tuning on labeled tokens, direct preference optimization on pairs, or
 * reinforcement (GRPO over rollouts scored by a grader: OpenAI's method `reinforcement`).
 */
export const TRAINING_OBJECTIVES = ['sft', 'dpo', 'reinforcement'] as const;
export type TrainingObjective = (typeof TRAINING_OBJECTIVES)[number];

/**
 * DPO's settings (`training.dpo`): `beta` scales the implicit reward β·(log πθ − log πref) of the sigmoid loss;
 * `rpoAlpha` adds α × the mean negative log-likelihood of the chosen tokens (RPO; 0: plain DPO).
 */
export const dpoConfigSchema = z
  .object({
    beta: z.number().positive('must be greater than 0').max(100),
    rpoAlpha: z.number().min(0).max(100),
  })
  .strict();
export type DpoConfig = z.infer<typeof dpoConfigSchema>;

/** What a config without `training.dpo` (one written before DPO existed) trains DPO with. */
export const DEFAULT_DPO_CONFIG: DpoConfig = { beta: 0.1, rpoAlpha: 0 };

/**
 * Reinforcement's settings (`training.reinforcement`), from OpenAI's `method.reinforcement`: the grader that scores each
 * rollout (the `@tuneforge/graders` shapes) and the hyperparameters beyond epochs, batch size and learning rate.
 * `computeMultiplier` scales the rollouts generated per prompt (exploration); `evalInterval` is the number of training
 * steps between evaluations on the validation set, `evalSamples` the validation prompts each evaluation grades;
 * `reasoningEffort` is recorded only (Tuneforge's models do not reason).
 */
export const reinforcementConfigSchema = z
  .object({
    grader: graderSchema,
    computeMultiplier: z.number().positive().max(10),
    evalInterval: z.number().int().min(1).max(100_000),
    evalSamples: z.number().int().min(1).max(10_000),
    reasoningEffort: z.enum(['default', 'low', 'medium', 'high']),
  })
  .strict();
export type ReinforcementConfig = z.infer<typeof reinforcementConfigSchema>;

/** What `auto` (or an absent hyperparameter) means for reinforcement. */
export const DEFAULT_REINFORCEMENT_SETTINGS: Omit<ReinforcementConfig, 'grader'> = { computeMultiplier: 1, evalInterval: 10, evalSamples: 16, reasoningEffort: 'default' };

export const jobConfigSchema = z
  .object({
    schemaVersion: z.literal(1),
    /** `dtype`: the fine-tuned model's weight dtype as delivered (training computes in f32); `auto` keeps the base model's. */
    model: z.object({ base: z.string().min(1), dtype: z.enum(['auto', 'f32', 'bf16', 'f16']) }).strict(),
    data: z
      .object({
        format: z.enum(['auto', 'openai-chat', 'openai-preference', 'prompt-completion', 'sharegpt', 'alpaca', 'csv', 'json', 'react-transcript', 'lagent', 'agentfly']),
        validationSplit: z.number().min(0).max(0.5),
        maxSequenceLength: z.number().int().min(16).max(131072),
        packing: z.boolean(),
        agentTokens: z.boolean(),
        seed: z.number().int().nonnegative(),
      })
      .strict(),
    training: z
      .object({
        /**
         * `sft` (supervised: OpenAI's method `supervised`), `dpo` (preference pairs: method `dpo`) or `reinforcement`
         * (method `reinforcement`). Absent (a config written before objectives existed) means `sft`.
         */
        objective: z.enum(TRAINING_OBJECTIVES).optional(),
        /** DPO's beta and RPO alpha; read only when `objective` is `dpo` (absent: `DEFAULT_DPO_CONFIG`). */
        dpo: dpoConfigSchema.optional(),
        /** The grader and reinforcement hyperparameters; required when `objective` is `reinforcement`. */
        reinforcement: reinforcementConfigSchema.optional(),
        /** How a reinforcement run trains (chains, turns, KL, clipping, loss aggregation); read only when `objective` is `reinforcement`. */
        grpo: grpoConfigSchema.optional(),
        method: z.enum(['full', 'lora']),
        epochs: z.number().int().min(1).max(100),
        batchSize: z.number().int().min(1),
        microBatchSize: z.number().int().min(1),
        learningRate: z.number().positive().max(1),
        schedule: z.enum(['constant', 'linear', 'cosine']),
        warmupRatio: z.number().min(0).max(1),
        weightDecay: z.number().min(0),
        maxGradNorm: z.number().positive(),
        activationRecomputation: z.boolean(),
        checkpointEverySteps: z.number().int().min(1),
        /**
         * How many of a run's checkpoints stay: the newest `keepCheckpoints`, plus the best (lowest validation loss,
         * else training loss) when it is older. The rest are deleted as newer ones commit, with their model names.
         * Absent (a config written before retention): 3, as many as OpenAI keeps.
         */
        keepCheckpoints: z.number().int().min(1).max(1000).default(3),
        seed: z.number().int().nonnegative(),
        lora: loraConfigSchema,
      })
      .strict()
      .refine((t) => t.batchSize % t.microBatchSize === 0, {
        message: 'batchSize must be a multiple of microBatchSize (the rest is gradient accumulation)',
        path: ['batchSize'],
      })
      .refine((t) => t.objective !== 'reinforcement' || t.reinforcement !== undefined, {
        message: "objective 'reinforcement' needs training.reinforcement (its grader)",
        path: ['reinforcement'],
      }),
    synthesis: z
      .object({
        enabled: z.boolean(),
        samples: z.number().int().min(1).max(1_000_000),
        noToolRatio: z.number().min(0).max(1),
        seed: z.number().int().nonnegative(),
        /**
         * Where synthetic samples come from: `templates` (seeded tool-use templates), `llm` (the
         * OpenAI-compatible endpoint datagen is configured with, from the user's samples and the task
         * description; the task fails when none is configured) or `auto` (llm when configured, else
         * templates). Absent means `auto`.
         */
        source: z.enum(['templates', 'llm', 'auto']).optional(),
      })
      .strict(),
    evaluation: z
      .object({
        /**
         * On: each iteration is evaluated, then the loop asks "satisfactory?", diagnoses and iterates. Off (the
         * default, as OpenAI's API behaves): the job ends when training ends.
         */
        enabled: z.boolean(),
        /** Evaluated examples per model (the first ones of the evaluation set, in file order). */
        maxExamples: z.number().int().min(1).max(100_000),
        metrics: z.array(z.enum(['exact_match', 'token_f1', 'bleu', 'rouge', 'chrf', 'validation_loss', 'semantic_similarity'])).min(1),
        maxNewTokens: z.number().int().min(1).max(32768),
        agentTurnLimit: z.number().int().min(1).max(64),
        temperature: z.number().min(0).max(2),
      })
      .strict(),
    approvals: z
      .object({
        trainingHalfway: approvalRuleSchema,
        afterEvaluation: approvalRuleSchema,
        applyDiagnosis: approvalRuleSchema,
        /**
         * A question left to a human (`ask`) is decided after this many seconds without an answer, so that no
         * job waits forever on a client that cannot answer (0: wait for a human however long it takes). The
         * decision is each stage's `APPROVAL_TIMEOUT_DECISIONS` entry: the one that keeps what the job has.
         */
        timeoutSeconds: z.number().int().min(0).max(MAX_APPROVAL_TIMEOUT_SECONDS),
      })
      .strict(),
    iterations: z.object({ max: z.number().int().min(1).max(20) }).strict(),
  })
  .strict();

export type JobConfig = z.infer<typeof jobConfigSchema>;
