import { z } from 'zod';
import { defineTopic } from '../../topic';
import { keySafeIdSchema } from '../data.preparation.requested.v1';

const base = { runId: keySafeIdSchema, jobId: keySafeIdSchema };

/** The end of a run, published once per run id (a consumer may still see it twice: at-least-once). */
export const trainingRunCompletedV1 = defineTopic(
  'training.run.completed.v1',
  z.discriminatedUnion('status', [
    z
      .object({
        ...base,
        status: z.literal('succeeded'),
        steps: z.number().int().positive(),
        finalLoss: z.number(),
        /** Tokens the run trained on: every epoch's real (non-padding) tokens. */
        trainedTokens: z.number().int().nonnegative().optional(),
        artifacts: z
          .object({
            /** PEFT adapter (adapter_config.json, adapter_model.safetensors); absent for full fine-tuning. */
            adapter: z.string().min(1).optional(),
            /** Merged model directory (safetensors, config, tokenizer files). */
            merged: z.string().min(1),
            /** The merged model as a GGUF file (F16) with an Ollama Modelfile; absent when the model cannot be written as GGUF. */
            gguf: z.string().min(1).optional(),
            /** A reinforcement run's recorded rollouts: a key prefix holding `step-<n>.jsonl` files of rollout records. */
            rollouts: z.string().min(1).optional(),
          })
          .strict(),
      })
      .strict(),
    z
      .object({
        ...base,
        status: z.literal('failed'),
        step: z.number().int().nonnegative(),
        error: z.string().min(1).max(4000),
        /** The loss became NaN or infinite at `step`: the run diverged (a diagnosis can fix its settings). */
        diverged: z.boolean().optional(),
      })
      .strict(),
    z.object({ ...base, status: z.literal('cancelled'), step: z.number().int().nonnegative() }).strict(),
  ]),
  { partitions: 6 },
);
