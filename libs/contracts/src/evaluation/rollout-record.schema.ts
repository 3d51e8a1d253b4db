import { z } from 'zod';

/** One turn of an agent episode as reports keep it (libs/agents' summarizeTurn). */
export const episodeTurnSchema = z
  .object({
    raw: z.string(),
    finishReason: z.string(),
    stop: z.string().optional(),
    action: z.string(),
    error: z.string().optional(),
    calls: z.array(z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()), observation: z.string() }).strict()),
  })
  .strict();

/**
 * One training rollout of a reinforcement run, as the training pod records it (`rollouts/step-<n>.jsonl` under the
 * run's prefix, one line each) and the evaluation report shows it: which step and group it belonged to, the grader's
 * reward, its advantage within the group, and the episode step by step.
 */
export const rolloutRecordSchema = z
  .object({
    step: z.number().int().positive(),
    /** The prompt's place in the step's batch, and its line (index into the training prompts). */
    group: z.number().int().nonnegative(),
    prompt: z.number().int().nonnegative(),
    chain: z.number().int().nonnegative(),
    /** The user's request the episode answered (short). */
    task: z.string(),
    reward: z.number(),
    advantage: z.number(),
    end: z.string(),
    finalAnswer: z.string().optional(),
    generatedTokens: z.number().int().nonnegative(),
    truncated: z.boolean(),
    turns: z.array(episodeTurnSchema),
  })
  .strict();

export type EpisodeTurn = z.infer<typeof episodeTurnSchema>;
export type RolloutRecord = z.infer<typeof rolloutRecordSchema>;

/** A reinforcement job's held-out task, one greedy episode of one model, as the evaluator's grader scored it. */
export interface HeldOutEpisode {
  /** Index of the task in the evaluated set, and its line in the file. */
  task: number;
  line: number;
  /** The user's request (short), to recognise the task. */
  request: string;
  reward: number;
  passed: boolean;
  /** Why the grader gave this sample 0 when it could not score it (a python grader past its limit, ...). */
  graderError?: string;
  end: string;
  finalAnswer?: string;
  turns: EpisodeTurn[];
}
