import type { Message } from '@tuneforge/datasets';
import { ChatAggregator } from '../aggregators/chat-aggregator';
import { ReactPromptAggregator } from '../aggregators/react-prompt-aggregator';
import { AgentMemory } from '../memory/agent-memory';
import { type AgentMessage, ENVIRONMENT_SENDER, TOOL_SENDER } from '../messages/agent-message';
import type { AgentModel, ModelGenerateOptions, ModelInput } from '../model/agent-model';
import { argumentsObject } from '../parsers/json-text';
import { type OutputParser, type ParseError, type ParsedOutput, describeParseError } from '../parsers/parsed-output';
import type { AgentTool } from '../tools/agent-tool';
import { type ToolExecutorOptions, ToolExecutor, type ToolOutcome } from '../tools/tool-executor';
import { ToolRegistry } from '../tools/tool-registry';

export interface RunAgentOptions {
  model: AgentModel;
  /** The tools, or a registry (or an executor, to bring hooks). */
  tools: readonly AgentTool[] | ToolRegistry | ToolExecutor;
  parser: OutputParser;
  /**
   * The task: OpenAI messages the rollout starts from: system and user messages, optionally followed by
   * earlier assistant turns and tool results (to continue a conversation from a given step).
   */
  messages: readonly Message[];
  /** Most model generations per chain (default 6). */
  maxTurns?: number;
  /** Independent rollouts of the same task (default 1); chain i samples with seed `seed + i`. */
  numChains?: number;
  /** Stop strings (default: the parser's, e.g. `\nObservation:` for ReAct). */
  stop?: readonly string[];
  /** Sampling (maxNewTokens, temperature, topK, topP, seed) passed to the model. */
  generation?: Omit<ModelGenerateOptions, 'stop' | 'chain' | 'turn'>;
  /** System prompt added before the task's own messages. */
  system?: string;
  /** Few-shot example messages (OpenAI format) placed between the system prompt and the task. */
  fewShot?: readonly Message[];
  /** Name the agent's messages carry in memory (default `agent`). */
  agentName?: string;
  /** `feedback` (default): unreadable output is answered with the parse error and the chain goes on; `stop`: the chain ends. */
  onParseError?: 'feedback' | 'stop';
  /** Memory to record into (default: a new one); chain i uses session `${sessionPrefix}${i}`. */
  memory?: AgentMemory;
  sessionPrefix?: string;
  /** Options for the executor built from `tools` (ignored when `tools` is an executor). */
  executor?: ToolExecutorOptions;
}

export interface ToolCallRecord {
  id: string;
  name: string;
  /** The arguments as the model wrote them. */
  arguments: Record<string, unknown>;
  outcome: ToolOutcome;
}

/** One model generation and what came of it. */
export interface TurnRecord {
  turn: number;
  /** The generated text, cut before the stop string. */
  raw: string;
  finishReason: 'stop' | 'eos' | 'length';
  /** The stop string that ended the generation, when one did. */
  stop?: string;
  /** For formats with an observation stop (ReAct): whether the model stopped exactly there. */
  stoppedAtObservation?: boolean;
  parsed: ParsedOutput;
  parseError?: ParseError;
  toolCalls: ToolCallRecord[];
  /** Observations shown to the model after this turn (tool results or parse-error feedback). */
  observations: string[];
}

export type TrajectoryEnd = 'final_answer' | 'max_turns' | 'parse_error';

export interface Trajectory {
  chain: number;
  sessionId: string;
  /**
   * The rollout in OpenAI message format (libs/datasets' conversation form, so it can be validated, written
   * and trained on): the system prompt and task, assistant turns (tool calls with the ReAct thought as
   * `reasoning`, or answers; raw text when unreadable), tool results, parse-error feedback as user messages.
   */
  messages: Message[];
  turns: TurnRecord[];
  finalAnswer?: string;
  end: TrajectoryEnd;
}

export interface AgentRunResult {
  trajectories: Trajectory[];
  memory: AgentMemory;
}

/**
 * Runs the agent loop (AgentFly's `run(messages, max_turns, num_chains)` over Lagent's parts): for each
 * chain, aggregate the session's memory into the model's input, generate until a stop, parse, execute
 * the tool calls and record the observations, until a final answer or `maxTurns` generations. Chains run
 * concurrently and share nothing but the model and the tools. Model output never ends a run by throwing:
 * unreadable output becomes a parse error in the record and, by default, feedback to the model; tool
 * failures become error observations. Errors of the model itself (the engine failing) do propagate.
 */
export async function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const maxTurns = options.maxTurns ?? 6;
  const numChains = options.numChains ?? 1;
  if (!Number.isInteger(maxTurns) || maxTurns < 1) throw new Error(`runAgent: maxTurns must be a positive integer, got ${maxTurns}`);
  if (!Number.isInteger(numChains) || numChains < 1) throw new Error(`runAgent: numChains must be a positive integer, got ${numChains}`);
  const executor = options.tools instanceof ToolExecutor ? options.tools : new ToolExecutor(options.tools instanceof ToolRegistry ? options.tools : new ToolRegistry(options.tools), options.executor);
  const memory = options.memory ?? new AgentMemory();
  const chains = Array.from({ length: numChains }, (_, chain) => runChain(options, executor, memory, chain, maxTurns));
  return { trajectories: await Promise.all(chains), memory };
}

async function runChain(options: RunAgentOptions, executor: ToolExecutor, memory: AgentMemory, chain: number, maxTurns: number): Promise<Trajectory> {
  const agentName = options.agentName ?? 'agent';
  const sessionId = `${options.sessionPrefix ?? 'chain-'}${chain}`;
  const parser = options.parser;
  const tools = executor.registry.definitions();
  const stop = options.stop ?? parser.stop;
  memory.add(sessionId, ...taskMessages(options.messages, agentName));
  const chat = new ChatAggregator({ ...(options.system !== undefined ? { system: options.system } : {}), ...(options.fewShot ? { fewShot: options.fewShot } : {}) });
  const react = new ReactPromptAggregator({ ...(options.system !== undefined ? { system: options.system } : {}), ...(options.fewShot ? { fewShot: options.fewShot } : {}), tools });
  const turns: TurnRecord[] = [];
  let end: TrajectoryEnd = 'max_turns';
  let finalAnswer: string | undefined;

  for (let turn = 1; turn <= maxTurns; turn++) {
    const history = memory.get(sessionId);
    const input: ModelInput =
      parser.inputMode === 'prompt' ? { prompt: react.aggregate(history, agentName) } : { messages: chat.aggregate(history, agentName), ...(tools.length ? { tools } : {}) };
    const seed = options.generation?.seed !== undefined ? options.generation.seed + chain : chain;
    const generation = await options.model.generate(input, { ...options.generation, seed, stop, chain, turn });
    const end_ = { finishReason: generation.finishReason, ...(generation.stop !== undefined ? { stop: generation.stop } : {}) };
    const parsed = parser.parse(generation.text, end_);
    const callIds = parsed.kind === 'tool_calls' ? parsed.calls.map((_, i) => `call_${chain}_${turn}_${i + 1}`) : undefined;
    memory.add(sessionId, { sender: agentName, content: generation.text, parsed, generation: end_, ...(callIds ? { toolCallIds: callIds } : {}) });
    const record: TurnRecord = {
      turn,
      raw: generation.text,
      ...end_,
      ...(parser.observationStop !== undefined ? { stoppedAtObservation: generation.stop === parser.observationStop } : {}),
      parsed,
      ...(parsed.kind === 'error' ? { parseError: parsed.error } : {}),
      toolCalls: [],
      observations: [],
    };
    turns.push(record);

    if (parsed.kind === 'final_answer') {
      finalAnswer = parsed.answer;
      end = 'final_answer';
      break;
    }
    if (parsed.kind === 'error') {
      if ((options.onParseError ?? 'feedback') === 'stop') {
        end = 'parse_error';
        break;
      }
      const feedback = describeParseError(parsed.error);
      memory.add(sessionId, { sender: ENVIRONMENT_SENDER, content: feedback });
      record.observations.push(feedback);
      continue;
    }
    for (const [i, call] of parsed.calls.entries()) {
      const id = (callIds as string[])[i];
      const outcome = await executor.execute({ id, name: call.name, arguments: call.arguments }, { callId: id, sessionId, chain, turn });
      memory.add(sessionId, { sender: TOOL_SENDER, content: outcome.observation, toolCallId: id, toolName: call.name });
      record.toolCalls.push({ id, name: call.name, arguments: call.arguments, outcome });
      record.observations.push(outcome.observation);
    }
  }

  const transcript = new ChatAggregator(options.system !== undefined ? { system: options.system } : {}).aggregate(memory.get(sessionId), agentName);
  return { chain, sessionId, messages: transcript, turns, ...(finalAnswer !== undefined ? { finalAnswer } : {}), end };
}

/**
 * The task as memory: system and user messages, and earlier assistant turns and tool results when the
 * rollout continues a conversation (evaluating the next step of a held-out dialogue). Earlier assistant
 * turns carry no `generation`, which is how aggregators tell history from what the model wrote in this run.
 */
function taskMessages(messages: readonly Message[], agentName: string): AgentMessage[] {
  return messages.map((message, i) => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { sender: message.role, content: message.content };
      case 'tool':
        return { sender: TOOL_SENDER, content: message.content, toolCallId: message.tool_call_id };
      case 'assistant': {
        const thought = message.reasoning !== undefined ? { thought: message.reasoning } : {};
        if (!message.tool_calls) return { sender: agentName, content: message.content ?? '', parsed: { kind: 'final_answer', answer: message.content ?? '', ...thought, warnings: [] } };
        const calls = message.tool_calls.map((call, j) => {
          const args = argumentsObject(call.function.arguments);
          if (!args) throw new Error(`runAgent: messages[${i}].tool_calls[${j}].function.arguments: expected JSON text of an object`);
          return { name: call.function.name, arguments: args };
        });
        return {
          sender: agentName,
          content: message.content ?? '',
          parsed: { kind: 'tool_calls', calls, content: message.content, ...thought, warnings: [] },
          toolCallIds: message.tool_calls.map((call) => call.id),
        };
      }
    }
  });
}
