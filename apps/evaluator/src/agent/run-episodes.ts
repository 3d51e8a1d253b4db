import {
  createCalculatorTool,
  createFixtureTools,
  createParser,
  createRetrievalTool,
  runAgent,
  summarizeTurn,
  type AgentModel,
  type AgentTool,
  type ParserFormat,
  type SearchFunction,
  type ToolFixture,
  type TurnRecord,
  type TurnSummary,
  ToolError,
} from '@tuneforge/agents';
import type { FunctionTool } from '@tuneforge/contracts';
import type { ToolDefinition } from '@tuneforge/datasets';
import { mapConcurrently } from '../evaluation/concurrently';
import { scoreEpisode, type EpisodeScore } from './episode-score';
import type { ExpectedEpisode } from './expected-episode';

/** An episode to run: an evaluation example's task, its reference steps and the tools it may use. */
export interface EpisodeInput {
  /** Index of the example in the evaluated set. */
  example: number;
  reference: ExpectedEpisode;
  /** Tool definitions of the example beyond the job's (its own `tools`). */
  exampleTools: readonly ToolDefinition[];
  /**
   * A ReAct prompt/completion sample: the prompt already holds the task and the steps so far, so the model
   * is asked for the one next step (no loop), which is compared with the completion.
   */
  reactPrompt?: string;
}

/** A run as the report keeps it: each generation and the calls and observations that came of it (none for a single ReAct step). */
export interface EpisodeRecord {
  example: number;
  end: string;
  finalAnswer?: string;
  turns: TurnSummary[];
  score: EpisodeScore;
}

export interface AgentRunSettings {
  format: ParserFormat;
  jobTools: readonly FunctionTool[];
  fixtures: readonly ToolFixture[];
  maxTurns: number;
  maxNewTokens: number;
  temperature: number;
  /** The job's retrieval index, searched by a `search` tool (the retrieval tool's name) that no fixture answers. */
  search?: SearchFunction;
  /** Episodes run side by side, at most this many (default 1: one after another). */
  concurrency?: number;
}

/** Job tools that really run when no fixture answers the call: the calculator, and search over the job's documents. */
export const CALCULATOR_TOOL = 'calculator';
export const SEARCH_TOOL = 'search';

/**
 * Runs every episode with one model in libs/agents' tool loop: the job's tools answered from fixtures
 * (the reference observation of an example is the fixture of its own reference call, more specific than
 * the job's); a call no fixture answers gets an error observation, except for a `calculator` tool, which
 * computes, and a `search` tool, which searches the job's retrieval index when the request has one. Stops
 * and parsing of the detected agent format, the job's turn limit and decoding. Episodes share nothing but the
 * model and are independent of each other's timing, so up to `settings.concurrency` run at once (the served model
 * decodes their generations together); records come back in the episodes' order.
 */
export async function runEpisodes(model: AgentModel, episodes: readonly EpisodeInput[], settings: AgentRunSettings): Promise<EpisodeRecord[]> {
  const parser = createParser(settings.format);
  const chatFormat = parser.inputMode === 'chat';
  return mapConcurrently(episodes, settings.concurrency ?? 1, async (episode): Promise<EpisodeRecord> => {
    if (episode.reactPrompt !== undefined) return runReactStep(model, episode, episode.reactPrompt, settings);
    const definitions = mergeDefinitions(settings.jobTools, episode.exampleTools);
    const own: ToolFixture[] = episode.reference.steps.flatMap((step) =>
      step.action.kind === 'tool_call' && step.observation !== undefined ? [{ tool: step.action.name, arguments: step.action.arguments, response: step.observation }] : [],
    );
    const fixtures = [...own, ...settings.fixtures].filter((fixture) => definitions.some((d) => d.function.name === fixture.tool));
    const tools: AgentTool[] = createFixtureTools(definitions, fixtures).map((tool) => {
      if (tool.name === CALCULATOR_TOOL) return withFallback(tool, createCalculatorTool());
      if (tool.name === SEARCH_TOOL && settings.search) return withFallback(tool, createRetrievalTool({ search: settings.search }));
      return tool;
    });
    const { trajectories } = await runAgent({
      model,
      tools,
      parser,
      messages: episode.reference.task,
      maxTurns: settings.maxTurns,
      generation: { maxNewTokens: settings.maxNewTokens, temperature: settings.temperature, seed: 0 },
    });
    const run = trajectories[0];
    return {
      example: episode.example,
      end: run.end,
      ...(run.finalAnswer !== undefined ? { finalAnswer: run.finalAnswer } : {}),
      turns: run.turns.map((turn) => summarizeTurn(turn)),
      score: scoreEpisode(episode.reference, run.turns, run.finalAnswer, chatFormat),
    };
  });
}

async function runReactStep(model: AgentModel, episode: EpisodeInput, prompt: string, settings: AgentRunSettings): Promise<EpisodeRecord> {
  const parser = createParser('react');
  const generation = await model.generate({ prompt }, { stop: parser.stop, maxNewTokens: settings.maxNewTokens, temperature: settings.temperature, seed: 0 });
  const end = { finishReason: generation.finishReason, ...(generation.stop !== undefined ? { stop: generation.stop } : {}) };
  const parsed = parser.parse(generation.text, end);
  const turn: TurnRecord = {
    turn: 1,
    raw: generation.text,
    ...end,
    stoppedAtObservation: generation.stop === parser.observationStop,
    parsed,
    ...(parsed.kind === 'error' ? { parseError: parsed.error } : {}),
    toolCalls: [],
    observations: [],
  };
  return {
    example: episode.example,
    end: parsed.kind === 'final_answer' ? 'final_answer' : 'single_step',
    ...(parsed.kind === 'final_answer' ? { finalAnswer: parsed.answer } : {}),
    // A single step runs no tool: its calls are the ones the model wrote, with no observation.
    turns: [{ ...summarizeTurn(turn), calls: parsed.kind === 'tool_calls' ? parsed.calls.map((call) => ({ name: call.name, arguments: call.arguments, observation: '' })) : [] }],
    score: scoreEpisode(episode.reference, [turn], parsed.kind === 'final_answer' ? parsed.answer : undefined, false),
  };
}

/** The fixture tool, and the real one for calls no fixture answers; the job's definition (what the model saw) is kept. */
function withFallback(fixtures: AgentTool, real: AgentTool): AgentTool {
  return {
    ...fixtures,
    execute: async (args, context) => {
      try {
        return await fixtures.execute(args, context);
      } catch (error) {
        if (error instanceof ToolError) return real.execute(args, context);
        throw error;
      }
    },
  };
}

function mergeDefinitions(jobTools: readonly FunctionTool[], exampleTools: readonly ToolDefinition[]): ToolDefinition[] {
  const byName = new Map<string, ToolDefinition>();
  for (const tool of [...jobTools, ...exampleTools]) if (!byName.has(tool.function.name)) byName.set(tool.function.name, tool);
  return [...byName.values()];
}
