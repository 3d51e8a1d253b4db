import { z } from 'zod';
import { functionToolSchema } from '../tools/function-tool.schema';
import { toolFixtureSchema } from '../topics/evaluation.run.requested.v1';
import { MAX_APPROVAL_TIMEOUT_SECONDS } from '../config/approval-rule.schema';
import { graderSchema } from '../graders/grader.schema';

/**
 * What a user asks for when creating a fine-tuning job: OpenAI's create-job fields, plus Tuneforge's
 * extensions under `tuneforge`. Server-owned fields (status, tenant, ids) are not part of it, so a
 * strict object rejects them.
 */
const auto = z.literal('auto');

const hyperparameterFields = {
  batch_size: z.union([auto, z.number().int().min(1).max(256)]).optional(),
  learning_rate_multiplier: z.union([auto, z.number().positive().max(10)]).optional(),
  n_epochs: z.union([auto, z.number().int().min(1).max(50)]).optional(),
};

const openAiHyperparameters = z.object(hyperparameterFields).strict();

export const METHOD_TYPES = ['supervised', 'dpo', 'reinforcement'] as const;
export type MethodType = (typeof METHOD_TYPES)[number];

export const REASONING_EFFORTS = ['default', 'low', 'medium', 'high'] as const;

/**
 * Reinforcement's hyperparameters (OpenAI's names): the three of every method, plus `compute_multiplier` (how much
 * exploration: the trainer scales its rollouts per prompt by it), `eval_interval` (training steps between evaluations
 * on the validation file), `eval_samples` (validation prompts per evaluation) and `reasoning_effort` (accepted, and
 * recorded; Tuneforge's models do not reason, so no value changes training).
 */
export const reinforcementHyperparametersSchema = z
  .object({
    ...hyperparameterFields,
    compute_multiplier: z.union([auto, z.number().positive('must be greater than 0').max(10)]).optional(),
    eval_interval: z.union([auto, z.number().int().min(1).max(100_000)]).optional(),
    eval_samples: z.union([auto, z.number().int().min(1).max(10_000)]).optional(),
    reasoning_effort: z.enum(REASONING_EFFORTS).optional(),
  })
  .strict();
export type ReinforcementHyperparameters = z.infer<typeof reinforcementHyperparametersSchema>;

/** OpenAI's `method.reinforcement`: the grader (checked in shape here; `validateGrader` in `@tuneforge/graders` checks the rest) and hyperparameters. */
export const reinforcementMethodSchema = z.object({ grader: graderSchema, hyperparameters: reinforcementHyperparametersSchema.optional() }).strict();

/**
 * OpenAI's `method` object: `type` and the sub-object of that name with its hyperparameters (each a number or
 * "auto"). DPO adds `beta` (> 0); reinforcement carries its grader and more hyperparameters.
 */
export const methodSchema = z
  .object({
    type: z.enum(METHOD_TYPES),
    supervised: z.object({ hyperparameters: openAiHyperparameters.optional() }).strict().optional(),
    dpo: z
      .object({
        hyperparameters: z
          .object({ ...hyperparameterFields, beta: z.union([auto, z.number().positive('must be greater than 0').max(100)]).optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    reinforcement: reinforcementMethodSchema.optional(),
  })
  .strict()
  .superRefine((method, ctx) => {
    // A sub-object of another method than `type` says the request is confused: name the type.
    const other = METHOD_TYPES.find((type) => type !== method.type && method[type] !== undefined);
    if (other) ctx.addIssue({ code: 'custom', path: ['type'], message: `method.type is '${method.type}' but the request carries method.${other}; they must match` });
    // The grader is what reinforcement learns from: there is no default one.
    else if (method.type === 'reinforcement' && !method.reinforcement) {
      ctx.addIssue({ code: 'custom', path: ['reinforcement', 'grader'], message: "method.type 'reinforcement' needs method.reinforcement.grader" });
    }
  });
export type MethodSpec = z.infer<typeof methodSchema>;

/** Where traces go instead of Weights & Biases (docs/deploy.md, "Reading a run's trace"). */
export const INTEGRATIONS_REFUSAL =
  "integrations are not available: Weights & Biases cannot be reached from Tuneforge's deployments. Follow a job with its events (metrics events, GET /v1/fine_tuning/jobs/{id}/events) and its OpenTelemetry trace (every span tagged tuneforge.job_id; see docs/deploy.md, \"Reading a run's trace\"), and leave integrations out.";

/**
 * An approval answer in the API's snake_case: `ask`, `approve`, `reject`, or
 * `{ "approve_if": { "tool_selection_accuracy": { "at_least": 0.9 } }, "otherwise": "ask" }`.
 */
const approvalRuleSpec = z.union([
  z.enum(['ask', 'approve', 'reject']),
  z
    .object({
      approve_if: z.record(z.string().min(1), z.object({ at_least: z.number().optional(), at_most: z.number().optional() }).strict()),
      otherwise: z.enum(['ask', 'reject']),
    })
    .strict(),
]);

export type ApprovalRuleSpec = z.infer<typeof approvalRuleSpec>;

export const tuneforgeExtensionsSchema = z
  .object({
    task_description: z.string().max(20_000).optional(),
    tools: z.array(functionToolSchema).max(128).optional(),
    data_format: z.string().optional(),
    agent_tokens: z.boolean().optional(),
    synthesis: z.object({ enabled: z.boolean(), samples: z.number().int().min(1).optional() }).strict().optional(),
    retrieval_documents: z.array(z.string()).max(1000).optional(),
    evaluation_file: z.string().optional(),
    /** Evaluate each iteration (default true) on at most `max_examples` examples. */
    evaluation: z.object({ enabled: z.boolean().optional(), max_examples: z.number().int().min(1).max(100_000).optional() }).strict().optional(),
    /** Responses the evaluation loop gives when the model calls a job tool (matched on the given arguments). */
    tool_fixtures: z.array(toolFixtureSchema).max(10_000).optional(),
    approval_policy: z
      .object({
        training_halfway: approvalRuleSpec.optional(),
        after_evaluation: approvalRuleSpec.optional(),
        apply_diagnosis: approvalRuleSpec.optional(),
        /** Seconds a question asked to a human waits before it is decided without one (0: no limit). */
        timeout_seconds: z.number().int().min(0).max(MAX_APPROVAL_TIMEOUT_SECONDS).optional(),
      })
      .strict()
      .optional(),
    iteration_budget: z.number().int().min(1).max(20).optional(),
    /**
     * Any other setting of the job configuration (`configs/default_config.json` shape), as a JSON merge
     * patch applied last: e.g. `{ "training": { "method": "full", "checkpointEverySteps": 10 } }`.
     */
    config: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const jobSpecSchema = z
  .object({
    model: z.string().min(1),
    training_file: z.string().min(1),
    validation_file: z.string().min(1).nullable().optional(),
    hyperparameters: openAiHyperparameters.optional(),
    method: methodSchema.optional(),
    /** Accepted in the schema so that a request carrying one gets the reason it is refused, not "unrecognized". */
    integrations: z.array(z.unknown()).nullable().optional(),
    suffix: z.string().max(64).nullable().optional(),
    seed: z.number().int().nonnegative().nullable().optional(),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
    tuneforge: tuneforgeExtensionsSchema.optional(),
  })
  .strict()
  .refine((spec) => !spec.metadata || Object.keys(spec.metadata).length <= 16, {
    message: 'metadata holds at most 16 keys',
    path: ['metadata'],
  })
  .refine((spec) => !spec.integrations || spec.integrations.length === 0, { message: INTEGRATIONS_REFUSAL, path: ['integrations'] });

export type JobSpec = z.infer<typeof jobSpecSchema>;
