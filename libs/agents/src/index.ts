// Messages and memory
export { type AgentMessage, agentMessageSchema, TOOL_SENDER, ENVIRONMENT_SENDER } from './messages/agent-message';
export { AgentMemory, type MemoryStateDict } from './memory/agent-memory';

// Aggregators: memory -> model input
export { ChatAggregator, toChatMessage, type ChatAggregatorOptions } from './aggregators/chat-aggregator';
export { ReactPromptAggregator, type ReactPromptAggregatorOptions } from './aggregators/react-prompt-aggregator';

// Output parsers
export {
  type OutputParser,
  type ParsedOutput,
  type ParsedToolCall,
  type ParseError,
  type GenerationEnd,
  describeParseError,
  positionOf,
} from './parsers/parsed-output';
export { ReactParser } from './parsers/react-parser';
export { QwenToolCallParser } from './parsers/qwen-parser';
export { LlamaToolCallParser, type LlamaParserOptions } from './parsers/llama-parser';
export { OpenAIJsonToolCallParser } from './parsers/openai-json-parser';
export { CodeBlockParser, type CodeBlockParserOptions } from './parsers/code-block-parser';
export { createParser, PARSER_FORMATS, type ParserFormat } from './parsers/create-parser';
export { detectToolCallFormat, type ChatToolCallFormat } from './parsers/tool-call-format';

// Tools
export { type AgentTool, type ToolContext, ToolError } from './tools/agent-tool';
export { ToolRegistry } from './tools/tool-registry';
export {
  ToolExecutor,
  mapSingleInput,
  type ToolHook,
  type ToolCallRequest,
  type ToolOutcome,
  type ToolErrorCode,
  type ToolExecutorOptions,
} from './tools/tool-executor';
export { createCalculatorTool, evaluateExpression, formatNumber, CalculatorError } from './tools/calculator';
export { createFixtureTools, type ToolFixture, type FixtureToolOptions } from './tools/fixture-tools';
export { argumentsMatch, sameArgumentValue } from './tools/fixture-tools';
export { createHttpTool, hostAllowed, type HttpToolSpec, type HttpToolOptions } from './tools/http-tool';
export { createRetrievalTool, type RetrievalToolOptions, type RetrievedPassage, type SearchFunction } from './tools/retrieval-tool';
export { episodeTools, EPISODE_SEARCH_TOOL, type EpisodeToolOptions, type OperatorHttpTools } from './tools/episode-tools';

// Models
export { type AgentModel, type ModelInput, type ModelGenerateOptions, type ModelGeneration, applyStopStrings } from './model/agent-model';
export { ScriptedModel, type Script } from './model/scripted-model';

// Runner
export {
  runAgent,
  type RunAgentOptions,
  type AgentRunResult,
  type Trajectory,
  type TrajectoryEnd,
  type TurnRecord,
  type ToolCallRecord,
} from './runner/run-agent';
export { summarizeTurn, type TurnSummary } from './runner/turn-summary';
