/** What a tool is told about the call it is serving. */
export interface ToolContext {
  callId: string;
  /** Session of the rollout (one per chain). */
  sessionId: string;
  chain: number;
  turn: number;
}

/**
 * A tool the agent may call. `parameters` is the JSON Schema of its arguments (an object schema, as in an
 * OpenAI function tool); the executor validates arguments against it before `execute` runs. `execute`
 * returns the observation: text as it is, anything else as JSON. Throwing is how a tool reports a failure
 * (a `ToolError` for failures the model should read); it becomes an error observation, never a crash.
 */
export interface AgentTool {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  execute(args: Record<string, unknown>, context: ToolContext): unknown;
}

/** A failure the tool means the model to see (bad input, no result), as opposed to a bug. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}
