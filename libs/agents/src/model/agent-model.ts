import type { Message, ToolDefinition } from '@tuneforge/datasets';
import type { GenerationEnd } from '../parsers/parsed-output';

/** A raw text prompt to continue (ReAct completion mode) or chat messages with tools (chat template). */
export type ModelInput = { prompt: string } | { messages: Message[]; tools?: ToolDefinition[] };

export interface ModelGenerateOptions {
  /** Strings that end generation; the matched string is not part of the returned text. */
  stop?: readonly string[];
  maxNewTokens?: number;
  /** 0 = greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  /** Which rollout asks (for scripted models and logs). */
  chain?: number;
  turn?: number;
}

export interface ModelGeneration extends GenerationEnd {
  /** The generated text, cut before the stop string that ended it. */
  text: string;
}

/** What the agent loop needs from a model: text in, text out, honouring stop strings. */
export interface AgentModel {
  generate(input: ModelInput, options: ModelGenerateOptions): Promise<ModelGeneration>;
}

/** Cuts `text` at the earliest stop string; ties go to the stop listed first. */
export function applyStopStrings(text: string, stops: readonly string[]): { text: string; stop?: string } {
  let best: { at: number; stop: string } | undefined;
  for (const stop of stops) {
    if (!stop) continue;
    const at = text.indexOf(stop);
    if (at >= 0 && (!best || at < best.at)) best = { at, stop };
  }
  return best ? { text: text.slice(0, best.at), stop: best.stop } : { text };
}
