import { type ModelTokenizer, endOfSequenceIds, loadModelTokenizer, renderChat } from '@tuneforge/datasets';
import { type LoadOptions, Model } from '@tuneforge/engine';
import { type AgentModel, type ModelGenerateOptions, type ModelGeneration, type ModelInput, applyStopStrings } from './agent-model';

export interface EngineAgentModelOptions {
  /** Token budget per generation when the call does not give one (default 256). */
  maxNewTokens?: number;
  /**
   * Tokens generated per engine call between stop-string checks (default 32). The engine stops on token
   * sequences, but a stop string like `\nObservation:` tokenizes differently depending on the text before
   * it (and is one token with the agent tokens), so stop strings are matched on the decoded text between
   * chunks; a chunk overshoots a stop by at most this many tokens, which are discarded.
   */
  chunkTokens?: number;
  /** Token ids that end a generation (default: libs/datasets' `endOfSequenceIds`: generation_config.json, config.json, the tokenizer's EOS). */
  eosTokenIds?: readonly number[];
}

/**
 * An agent model over the native engine (libs/engine) with the model's tokenizer and chat template
 * (libs/datasets). Prompts (ReAct completion mode) are encoded as `tokenizePromptCompletion` encodes
 * training prompts, with the tokenizer's special tokens; chat input is rendered by the model's own template
 * with the generation prompt. Generation stops at an end-of-sequence token, a stop string, or the budget.
 */
export class EngineAgentModel implements AgentModel {
  private readonly maxNewTokens: number;
  private readonly chunkTokens: number;
  private readonly eosTokenIds: readonly number[];

  constructor(
    readonly model: Model,
    readonly tokenizer: ModelTokenizer,
    options: EngineAgentModelOptions = {},
  ) {
    this.maxNewTokens = positiveInteger(options.maxNewTokens ?? 256, 'maxNewTokens');
    this.chunkTokens = positiveInteger(options.chunkTokens ?? 32, 'chunkTokens');
    const eos = options.eosTokenIds ?? (tokenizer.eosTokenId !== undefined ? [tokenizer.eosTokenId] : []);
    this.eosTokenIds = [...new Set(eos)];
  }

  /** Loads a Hugging Face model directory: weights into the engine, tokenizer and template from its files. */
  static async load(dir: string, options: EngineAgentModelOptions & LoadOptions = {}): Promise<EngineAgentModel> {
    const tokenizer = await loadModelTokenizer(dir);
    const eos = options.eosTokenIds ?? (await endOfSequenceIds(dir, tokenizer));
    const model = await Model.load(dir, { ...(options.threads !== undefined ? { threads: options.threads } : {}), ...(options.backend ? { backend: options.backend } : {}) });
    return new EngineAgentModel(model, tokenizer, { ...options, eosTokenIds: eos });
  }

  dispose(): void {
    this.model.dispose();
  }

  /** The token ids the model is given for `input`. */
  encode(input: ModelInput): number[] {
    if ('prompt' in input) return this.tokenizer.encode(input.prompt, true);
    const text = renderChat(this.tokenizer, input.messages, input.tools, { addGenerationPrompt: true });
    return this.tokenizer.encode(text, false);
  }

  async generate(input: ModelInput, options: ModelGenerateOptions = {}): Promise<ModelGeneration> {
    const prompt = this.encode(input);
    if (prompt.length === 0) throw new Error('engine agent model: the prompt encodes to no tokens');
    const budget = positiveInteger(options.maxNewTokens ?? this.maxNewTokens, 'maxNewTokens');
    const stops = options.stop ?? [];
    const generated: number[] = [];
    let chunk = 0;
    while (generated.length < budget) {
      const [out] = await this.model.generate([[...prompt, ...generated]], {
        maxNewTokens: Math.min(this.chunkTokens, budget - generated.length),
        temperature: options.temperature ?? 0,
        ...(options.topK !== undefined ? { topK: options.topK } : {}),
        ...(options.topP !== undefined ? { topP: options.topP } : {}),
        // Each chunk draws from its own stream; the same seed again would repeat the first chunk's draws.
        seed: ((options.seed ?? 0) * 1009 + chunk++) % 2_147_483_647,
        stop: this.eosTokenIds.map((id) => [id]),
      });
      generated.push(...out.tokens);
      const cut = applyStopStrings(this.tokenizer.decode(generated), stops);
      if (cut.stop !== undefined) return { text: cut.text, finishReason: 'stop', stop: cut.stop };
      if (out.finishReason === 'stop') return { text: cut.text, finishReason: 'eos' };
    }
    return { text: this.tokenizer.decode(generated), finishReason: 'length' };
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`engine agent model: ${name} must be a positive integer, got ${value}`);
  return value;
}
