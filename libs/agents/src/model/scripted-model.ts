import { type AgentModel, type ModelGenerateOptions, type ModelGeneration, type ModelInput, applyStopStrings } from './agent-model';

export type Script = readonly string[] | readonly (readonly string[])[] | ((input: ModelInput, options: ModelGenerateOptions, call: number) => string);

/**
 * Replays given outputs as if a model wrote them, cut at the earliest stop string as a served model's text is
 * (libs/serving's `ServedAgentModel`), so tests drive the real parser/executor path. A script is either one list consumed in call order,
 * one list per chain (indexed by `options.chain`, consumed by that chain's turns), or a function. A script
 * line that runs out (like a real model reaching its token limit) ends with `finishReason: 'length'` when it
 * ends in `…` (U+2026, removed); otherwise it ends as the model's end-of-sequence.
 */
export class ScriptedModel implements AgentModel {
  /** Every call's input and options, for assertions. */
  readonly calls: Array<{ input: ModelInput; options: ModelGenerateOptions }> = [];
  private readonly cursors = new Map<number, number>();

  constructor(private readonly script: Script) {}

  async generate(input: ModelInput, options: ModelGenerateOptions): Promise<ModelGeneration> {
    const call = this.calls.length;
    this.calls.push({ input: structuredClone(input), options: { ...options } });
    const raw = this.next(input, options, call);
    const truncated = raw.endsWith('…');
    const { text, stop } = applyStopStrings(truncated ? raw.slice(0, -1) : raw, options.stop ?? []);
    if (stop !== undefined) return { text, finishReason: 'stop', stop };
    return { text, finishReason: truncated ? 'length' : 'eos' };
  }

  private next(input: ModelInput, options: ModelGenerateOptions, call: number): string {
    if (typeof this.script === 'function') return this.script(input, options, call);
    const perChain = this.script.length > 0 && Array.isArray(this.script[0]);
    const key = perChain ? (options.chain ?? 0) : -1;
    const list = (perChain ? (this.script as readonly (readonly string[])[])[key] : this.script) as readonly string[] | undefined;
    const at = this.cursors.get(key) ?? 0;
    if (!list || at >= list.length) throw new Error(`scripted model: no output left for call ${call}${perChain ? ` (chain ${key}, turn ${at + 1})` : ''}`);
    this.cursors.set(key, at + 1);
    return list[at];
  }
}
