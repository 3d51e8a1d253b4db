import { EngineAgentModel, type ParserFormat, type SearchFunction, type ToolFixture } from '@tuneforge/agents';
import type { FunctionTool, JobConfig } from '@tuneforge/contracts';
import { runEpisodes, type EpisodeInput, type EpisodeRecord } from '../agent/run-episodes';
import type { LoadedModel } from '../inputs/load-model';
import type { EvaluationRecord } from '../inputs/read-evaluation-set';
import { generateTexts, type GeneratedText } from '../text/generate-text';
import { referenceLoss, type ReferenceLoss } from '../text/reference-loss';
import { endTokens, textTask } from '../text/text-task';
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
 * Both models go through this with the same options, so they see the same prompts and decoding.
 */
export async function runModel(loaded: LoadedModel, records: readonly EvaluationRecord[], options: ModelRunOptions): Promise<ModelRun> {
  const field = loaded.role === 'base' ? 'baseModel' : 'tunedModel';
  const tasks = records.map((record) => {
    try {
      return textTask(loaded.tokenizer, record);
    } catch (error) {
      throw new EvaluationInputError(
        `${field}: the chat template of ${loaded.prefix} cannot render ${record.location.file} line ${record.location.line}: ${(error as Error).message.slice(0, 200)}`,
      );
    }
  });
  const present = tasks.flatMap((task, i) => (task ? [{ i, task }] : []));
  const generated = await generateTexts(
    loaded.model,
    loaded.tokenizer,
    present.map(({ task }) => task),
    { maxNewTokens: options.settings.maxNewTokens, temperature: options.settings.temperature },
  );
  const answers: ModelRun['answers'] = records.map(() => undefined);
  present.forEach(({ i, task }, j) => (answers[i] = { reference: task.reference, generated: generated[j] }));
  const loss = options.settings.metrics.includes('validation_loss') ? await referenceLoss(loaded.model, loaded.tokenizer, records, options.maxSequenceLength) : undefined;
  const episodes = options.agent
    ? await runEpisodes(agentModel(loaded, options.settings.maxNewTokens), options.agent.episodes, {
        format: options.agent.format,
        jobTools: options.agent.tools,
        fixtures: options.agent.fixtures,
        maxTurns: options.settings.agentTurnLimit,
        maxNewTokens: options.settings.maxNewTokens,
        temperature: options.settings.temperature,
        ...(options.agent.search ? { search: options.agent.search } : {}),
      })
    : [];
  return { answers, ...(loss ? { loss } : {}), episodes };
}

/** The engine model in the agent loop, ending a generation at the tokenizer's EOS or the template's end of turn. */
function agentModel(loaded: LoadedModel, maxNewTokens: number): EngineAgentModel {
  const eos = endTokens(loaded.tokenizer).map((token) => loaded.tokenizer.tokenId(token) as number);
  return new EngineAgentModel(loaded.model, loaded.tokenizer, { maxNewTokens, eosTokenIds: eos });
}
