import type { AgentModel, ModelGenerateOptions, ModelGeneration, ModelInput } from '@tuneforge/agents';
import { choiceSeed, collectChoice, runChoice } from '../generation/run-choice';
import type { ServedModel } from '../model/served-model';
import { encodeRenderedChat, encodeTextPrompt, renderChatPrompt } from '../prompt/prompt-encoding';

export interface ServedAgentModelOptions {
  /** Token budget per generation when the call does not give one (default 256). */
  maxNewTokens?: number;
}

/**
 * libs/agents' `AgentModel` over a served model: each generation is one choice on the model's scheduler
 * (`runChoice`), exactly as the inference service generates one — a `{prompt}` input as `/v1/completions` encodes
 * its prompt, a `{messages, tools}` input as `/v1/chat/completions` renders a request with those messages and tools
 * (tool_choice `auto`), the model's end-of-sequence ids in the engine, stop strings matched on the decoded text.
 * Concurrent generations (episodes run side by side) are decoded together in the scheduler's batch; a sequence's
 * tokens do not depend on what is decoded beside it.
 */
export class ServedAgentModel implements AgentModel {
  private readonly maxNewTokens: number;

  constructor(
    readonly served: ServedModel,
    options: ServedAgentModelOptions = {},
  ) {
    this.maxNewTokens = positiveInteger(options.maxNewTokens ?? 256, 'maxNewTokens');
  }

  /** The token ids the model is given for `input`. */
  encode(input: ModelInput): number[] {
    const { tokenizer } = this.served;
    if ('prompt' in input) return encodeTextPrompt(tokenizer, input.prompt);
    return encodeRenderedChat(tokenizer, renderChatPrompt(tokenizer, input.messages, input.tools));
  }

  /**
   * A generation with its tokens: `promptTokens` as encoded, `tokens` the ids the engine generated for the text
   * returned (one straddling the stop string included; the stop string's own are not, and an end-of-sequence id is
   * not among them: `finishReason` `eos` says it came). Reinforcement trains on exactly these ids.
   */
  async generate(input: ModelInput, options: ModelGenerateOptions = {}): Promise<ModelGeneration & { promptTokens: number[]; tokens: number[] }> {
    const prompt = this.encode(input);
    if (prompt.length === 0) throw new Error('served agent model: the prompt encodes to no tokens');
    const room = this.served.maxContext - prompt.length;
    if (room < 1) throw new Error(`served agent model: a prompt of ${prompt.length} tokens leaves no room in the model's context of ${this.served.maxContext} tokens`);
    const budget = positiveInteger(options.maxNewTokens ?? this.maxNewTokens, 'maxNewTokens');
    const end = await collectChoice(
      runChoice(this.served, prompt, {
        // As the engine does, a budget past the context is cut to the room the prompt leaves.
        maxTokens: Math.min(budget, room),
        temperature: options.temperature ?? 0,
        topP: options.topP ?? 1,
        ...(options.topK !== undefined ? { topK: options.topK } : {}),
        seed: choiceSeed(options.seed ?? 0, 0),
        // An empty stop string would end every generation before its first character.
        stop: (options.stop ?? []).filter((stop) => stop.length > 0),
        topLogprobs: 0,
      }),
    );
    if (end.finish === 'cancelled') throw new Error('served agent model: the generation was cancelled (the model is being disposed)');
    const ids = { promptTokens: prompt, tokens: end.tokens.map((t) => t.token) };
    if (end.stop !== undefined) return { text: end.text, finishReason: 'stop', stop: end.stop, ...ids };
    return { text: end.text, finishReason: end.finish === 'length' ? 'length' : 'eos', ...ids };
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`served agent model: ${name} must be a positive integer, got ${value}`);
  return value;
}
