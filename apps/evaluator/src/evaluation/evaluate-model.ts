import type { ParserFormat, SearchFunction, ToolFixture } from '@tuneforge/agents';
import type { FunctionTool, JobConfig } from '@tuneforge/contracts';
import { ServedAgentModel } from '@tuneforge/serving';
import { runEpisodes, type EpisodeInput, type EpisodeRecord } from '../agent/run-episodes';
import type { LoadedModel } from '../inputs/load-model';
import type { EvaluationRecord } from '../inputs/read-evaluation-set';
import { generateTexts, type GeneratedText } from '../text/generate-text';
import { referenceLoss, type ReferenceLoss } from '../text/reference-loss';
import { textTask } from '../text/text-task';
import { EvaluationInputError } from './evaluation-input-error';

export interface ModelRun {
  /** Per record: the reference and the model's answer; undefined for records without an assistant turn. */
  answers: Array<{ reference: string; generated: GeneratedText } | undefined>;
  loss?: ReferenceLoss;
  episodes: EpisodeRecord[];
}

export interface ModelRunOptions {
  settings: JobConfig['evaluation'];
  maxSequenceLength: number;
  agent?: { format: ParserFormat; episodes: readonly EpisodeInput[]; tools: readonly FunctionTool[]; fixtures: readonly ToolFixture[]; search?: SearchFunction };
}

/**
 * Everything one model is asked: an answer to every example (greedy or seeded, the job's budget), its loss
 * on the references when validation_loss is asked for, and the agent episodes when the job has tools.
 * Both models go through this with the same options, so they see the same prompts and decoding. Answers and
 * episodes are generated on the serving path (libs/serving), the examples and the episodes side by side, up to
 * the model's scheduler slots at a time each: the scheduler decodes them together, one token per sequence per step.
 */
export async function runModel(loaded: LoadedModel, records: readonly EvaluationRecord[], options: ModelRunOptions): Promise<ModelRun> {
  const { served } = loaded;
  const field = loaded.role === 'base' ? 'baseModel' : 'tunedModel';
  const tasks = records.map((record) => {
    try {
      return textTask(served.tokenizer, record);
    } catch (error) {
      throw new EvaluationInputError(
        `${field}: the chat template of ${loaded.prefix} cannot render ${record.location.file} line ${record.location.line}: ${(error as Error).message.slice(0, 200)}`,
      );
    }
  });
  const present = tasks.flatMap((task, i) => (task ? [{ i, task }] : []));
  for (const { i, task } of present) {
    if (task.promptIds.length >= served.maxContext) {
      const { file, line } = records[i].location;
      throw new EvaluationInputError(
        `${file} line ${line}: the prompt is ${task.promptIds.length} tokens, which leaves no room to answer in ${field}'s context of ${served.maxContext} tokens (TF_EVAL_MAX_CONTEXT, capped by the model's max_position_embeddings)`,
      );
    }
  }
  const slots = served.scheduler.maxSequences;
  const [generated, episodes] = await Promise.all([
    generateTexts(served, present.map(({ task }) => task), { maxNewTokens: options.settings.maxNewTokens, temperature: options.settings.temperature }, slots),
    options.agent
      ? runEpisodes(new ServedAgentModel(served, { maxNewTokens: options.settings.maxNewTokens }), options.agent.episodes, {
          format: options.agent.format,
          jobTools: options.agent.tools,
          fixtures: options.agent.fixtures,
          maxTurns: options.settings.agentTurnLimit,
          maxNewTokens: options.settings.maxNewTokens,
          temperature: options.settings.temperature,
          concurrency: slots,
          ...(options.agent.search ? { search: options.agent.search } : {}),
        })
      : Promise.resolve([]),
  ]);
  const answers: ModelRun['answers'] = records.map(() => undefined);
  present.forEach(({ i, task }, j) => (answers[i] = { reference: task.reference, generated: generated[j] }));
  // The engine model the served one holds scores the references (its calls queue behind the session's steps).
  const loss = options.settings.metrics.includes('validation_loss') ? await referenceLoss(served.engine, served.tokenizer, records, options.maxSequenceLength) : undefined;
  return { answers, ...(loss ? { loss } : {}), episodes };
}
