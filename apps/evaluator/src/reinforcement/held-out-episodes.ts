import { createParser, episodeTools, runAgent, summarizeTurn, type AgentModel, type ModelGenerateOptions, type ModelGeneration, type ModelInput, type SearchFunction } from '@tuneforge/agents';
import { lastUserText } from '@tuneforge/datasets';
import type { Grader, HeldOutEpisode } from '@tuneforge/contracts';
import { runGrader, trajectoryGraderSample, type GraderContext } from '@tuneforge/graders';
import { ServedAgentModel, type ServedModel } from '@tuneforge/serving';
import { mapConcurrently } from '../evaluation/concurrently';
import type { HeldOutTask } from './read-task-set';

export interface HeldOutSettings {
  grader: Grader;
  graderContext: GraderContext;
  maxTurns: number;
  maxNewTokens: number;
  passThreshold: number;
  /** The job's retrieval index, searched by the episodes' `search` tool. */
  search?: SearchFunction;
}

/** Model and tool texts are cut at this many characters in the report. */
const TEXT_CHARS = 2000;

/**
 * The served model as an agent whose episode ends, as a generation cut by its budget with nothing in it, when its
 * history outgrew the context (long tool outputs, many turns), as in training rollouts, instead of failing the
 * evaluation.
 */
class ContextBoundedModel implements AgentModel {
  constructor(private readonly inner: ServedAgentModel, private readonly maxContext: number) {}

  async generate(input: ModelInput, options: ModelGenerateOptions): Promise<ModelGeneration> {
    if (this.inner.encode(input).length >= this.maxContext) return { text: '', finishReason: 'length' };
    return this.inner.generate(input, options);
  }
}

/**
 * One greedy episode per held-out task (the pass rate of the model as it answers, not of its exploration), with the
 * tools training rollouts use (libs/agents' episodeTools: the calculator, search over the job's documents, the
 * line's own tools answered from its fixtures), graded by the job's grader as training grades rollouts. Episodes run
 * side by side up to the model's scheduler slots. A grader that cannot score a sample gives it 0 with its reason; one
 * that fails the run (a score_model endpoint still down after its retries) fails the evaluation.
 */
export async function heldOutEpisodes(served: ServedModel, tasks: readonly HeldOutTask[], settings: HeldOutSettings): Promise<HeldOutEpisode[]> {
  const model = new ContextBoundedModel(new ServedAgentModel(served, { maxNewTokens: settings.maxNewTokens }), served.maxContext);
  const parser = createParser(served.toolCallFormat);
  const toolsOf = episodeTools(settings.search ? { search: settings.search } : {});
  return mapConcurrently(tasks, served.scheduler.maxSequences, async (task, index): Promise<HeldOutEpisode> => {
    const { trajectories } = await runAgent({
      model,
      tools: toolsOf(task.item)(),
      parser,
      messages: task.prompt.messages,
      maxTurns: settings.maxTurns,
      generation: { maxNewTokens: settings.maxNewTokens, temperature: 0, seed: 0 },
    });
    const run = trajectories[0];
    const graded = await runGrader(settings.grader, { sample: trajectoryGraderSample(run), item: task.item }, settings.graderContext);
    return {
      task: index,
      line: task.location.line,
      request: lastUserText(task.prompt.messages).slice(0, 300),
      reward: graded.score,
      passed: graded.score >= settings.passThreshold,
      ...(graded.error !== undefined ? { graderError: graded.error.slice(0, 500) } : {}),
      end: run.end,
      ...(run.finalAnswer !== undefined ? { finalAnswer: run.finalAnswer.slice(0, TEXT_CHARS) } : {}),
      turns: run.turns.map((turn) => summarizeTurn(turn, TEXT_CHARS)),
    };
  });
}

/** The held-out metrics of one model: the grader's mean score and the share of episodes passing. */
export function heldOutMetrics(episodes: readonly HeldOutEpisode[]): { reward_mean: number; pass_rate: number } {
  const n = Math.max(episodes.length, 1);
  return { reward_mean: episodes.reduce((a, e) => a + e.reward, 0) / n, pass_rate: episodes.filter((e) => e.passed).length / n };
}
