import { z } from 'zod';
import type { GenerationEnd, ParsedOutput } from '../parsers/parsed-output';

/**
 * The unit of communication between the user, the agent, the tool executor and the runner (Lagent's
 * AgentMessage). `content` is what was said: the user's text, the model's raw generation, a tool's
 * observation. `parsed` is what an output parser read from a model generation.
 */
export interface AgentMessage {
  /** `user`, `system`, the agent's name, `tool` (an executed call) or `environment` (runner feedback). */
  sender: string;
  content: string;
  /** The parser's reading of a model generation (agent messages only). */
  parsed?: ParsedOutput;
  /** How the generation ended (agent messages only). */
  generation?: GenerationEnd;
  /** Ids the runner gave the parsed tool calls, in order (agent messages with tool calls). */
  toolCallIds?: string[];
  /** The call this observation answers (tool messages). */
  toolCallId?: string;
  /** The tool that produced this observation (tool messages). */
  toolName?: string;
  extra?: Record<string, unknown>;
}

export const TOOL_SENDER = 'tool';
export const ENVIRONMENT_SENDER = 'environment';

/** Checks the outer shape of a dumped message; `parsed` is produced by this library and trusted as such. */
export const agentMessageSchema = z.strictObject({
  sender: z.string().min(1),
  content: z.string(),
  parsed: z.custom<ParsedOutput>((v) => typeof v === 'object' && v !== null && 'kind' in v, 'a parsed output with a kind').optional(),
  generation: z
    .strictObject({ finishReason: z.enum(['stop', 'eos', 'length']), stop: z.string().optional() })
    .optional(),
  toolCallIds: z.array(z.string()).optional(),
  toolCallId: z.string().optional(),
  toolName: z.string().optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});
