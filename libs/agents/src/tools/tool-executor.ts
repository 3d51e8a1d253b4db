import { type ToolContext, ToolError } from './agent-tool';
import type { ToolRegistry } from './tool-registry';

export interface ToolCallRequest {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export type ToolErrorCode = 'unknown_tool' | 'invalid_arguments' | 'tool_error' | 'timeout';

export interface ToolOutcome {
  callId: string;
  name: string;
  /** The arguments the tool ran with (after hooks and single-input mapping). */
  arguments: Record<string, unknown>;
  /** What the model is shown: the tool's result, or the error. */
  observation: string;
  error?: { code: ToolErrorCode; message: string };
  durationMs: number;
}

/**
 * Hooks around every call (Lagent's before_action / after_action): `beforeAction` may rewrite the call
 * (map a code block to an interpreter, rename a tool), `afterAction` may rewrite the outcome (truncate,
 * redact, reformat). Returning nothing keeps the value as it was.
 */
export interface ToolHook {
  beforeAction?(call: ToolCallRequest, context: ToolContext): ToolCallRequest | void | Promise<ToolCallRequest | void>;
  afterAction?(outcome: ToolOutcome, context: ToolContext): ToolOutcome | void | Promise<ToolOutcome | void>;
}

export interface ToolExecutorOptions {
  hooks?: readonly ToolHook[];
  /** A call that has not finished after this long becomes a `timeout` error observation (default 30 s). */
  timeoutMs?: number;
  /** Observations longer than this are cut, with a note (default 8000 characters). */
  maxObservationChars?: number;
}

/**
 * Runs tool calls: validates the tool name and the arguments against the tool's schema, calls the tool
 * with a time limit, and turns every failure into an error observation the model can read and react to
 * (unknown tool, arguments that do not fit, a throwing tool, a timeout). It never throws for the model's
 * mistakes or a tool's failure.
 */
export class ToolExecutor {
  private readonly hooks: readonly ToolHook[];
  private readonly timeoutMs: number;
  private readonly maxObservationChars: number;

  constructor(
    readonly registry: ToolRegistry,
    options: ToolExecutorOptions = {},
  ) {
    this.hooks = options.hooks ?? [];
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxObservationChars = options.maxObservationChars ?? 8000;
  }

  async execute(request: ToolCallRequest, context: ToolContext): Promise<ToolOutcome> {
    let call = { ...request, arguments: { ...request.arguments } };
    for (const hook of this.hooks) call = (await hook.beforeAction?.(call, context)) ?? call;
    const started = Date.now();
    let outcome = await this.run(call, context);
    outcome = { ...outcome, durationMs: Date.now() - started };
    for (const hook of this.hooks) outcome = (await hook.afterAction?.(outcome, context)) ?? outcome;
    return outcome;
  }

  private async run(call: ToolCallRequest, context: ToolContext): Promise<ToolOutcome> {
    const fail = (code: ToolErrorCode, message: string, args = call.arguments): ToolOutcome => ({
      callId: call.id,
      name: call.name,
      arguments: args,
      observation: `Error: ${message}`,
      error: { code, message },
      durationMs: 0,
    });
    const tool = this.registry.get(call.name);
    if (!tool) {
      const known = this.registry.names();
      return fail('unknown_tool', `unknown tool ${JSON.stringify(call.name)}; available tools: ${known.length ? known.join(', ') : 'none'}`);
    }
    const args = mapSingleInput(call.arguments, tool.parameters);
    const problem = this.registry.argumentsProblem(call.name, args);
    if (problem) return fail('invalid_arguments', `invalid arguments for ${call.name}: expected ${problem}`, args);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError()), this.timeoutMs);
      });
      const result = await Promise.race([Promise.resolve().then(() => tool.execute(args, { ...context, callId: call.id })), timeout]);
      return { callId: call.id, name: call.name, arguments: args, observation: this.limit(toObservation(result)), durationMs: 0 };
    } catch (error) {
      if (error instanceof TimeoutError) return fail('timeout', `${call.name} did not answer within ${this.timeoutMs} ms`, args);
      const message = error instanceof ToolError ? error.message : `${call.name} failed: ${error instanceof Error ? error.message : String(error)}`;
      return fail('tool_error', message, args);
    } finally {
      clearTimeout(timer);
    }
  }

  private limit(text: string): string {
    if (text.length <= this.maxObservationChars) return text;
    return `${text.slice(0, this.maxObservationChars)}… [cut: ${text.length - this.maxObservationChars} more characters]`;
  }
}

class TimeoutError extends Error {}

function toObservation(result: unknown): string {
  if (typeof result === 'string') return result;
  if (result === undefined) return '';
  return JSON.stringify(result);
}

/**
 * ReAct's Action Input is free text, which libs/datasets carries as `{input: text}`. A tool whose schema
 * has exactly one property, or exactly one required property, (and none called `input`) gets that text
 * under that property's name, as LangChain's single-input tools do; any other arguments pass unchanged.
 */
export function mapSingleInput(args: Record<string, unknown>, parameters: Record<string, unknown> | undefined): Record<string, unknown> {
  const keys = Object.keys(args);
  if (keys.length !== 1 || keys[0] !== 'input' || !parameters) return args;
  const properties = parameters.properties;
  if (typeof properties !== 'object' || properties === null) return args;
  const names = Object.keys(properties);
  if (names.includes('input')) return args;
  const required = Array.isArray(parameters.required) ? parameters.required.filter((r): r is string => typeof r === 'string') : [];
  const target = names.length === 1 ? names[0] : required.length === 1 ? required[0] : undefined;
  return target === undefined ? args : { [target]: args.input };
}
