import { detectToolCallFormat, type ChatToolCallFormat } from '@tuneforge/agents';
import { endOfSequenceIds, loadModelTokenizer, type ModelTokenizer } from '@tuneforge/datasets';
import { Model } from '@tuneforge/engine';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DecodeScheduler } from '../generation/decode-scheduler';

export interface ServingLimits {
  /** Sequences decoded together (continuous batching); more wait for a slot. */
  maxSequences: number;
  /** Prompt plus generated tokens per sequence, capped by the model's own `max_position_embeddings`. */
  maxContext: number;
  /** Engine threads; 0 lets the engine choose. */
  threads: number;
}

/** The context a served sequence may use: the limit, within the model's `max_position_embeddings` when it has one. */
export function servingContext(maxPositionEmbeddings: number | undefined, limits: Pick<ServingLimits, 'maxContext'>): number {
  return Math.min(limits.maxContext, maxPositionEmbeddings ?? limits.maxContext);
}

/**
 * One model loaded for serving: the engine's weights, a decode session behind the scheduler that batches every
 * request for it, and what serving needs from its files — the tokenizer and chat template, where generation stops
 * (its end-of-sequence ids) and the syntax its template writes tool calls in. The inference service serves it over
 * HTTP; the evaluator generates on it in process.
 */
export class ServedModel {
  private constructor(
    readonly engine: Model,
    readonly tokenizer: ModelTokenizer,
    readonly endOfSequenceIds: readonly number[],
    readonly toolCallFormat: ChatToolCallFormat,
    /** Prompt plus generated tokens one sequence may hold. */
    readonly maxContext: number,
    readonly scheduler: DecodeScheduler,
    /**
     * The LoRA slot of the engine this model decodes with (Model.addLoraSlot): 0 for the model itself, n > 0 for a
     * tuned model served as an adapter over this base (addAdapter), sharing its weights, session and batches.
     */
    readonly loraSlot = 0,
    /** False for a model served over an engine loaded elsewhere (overEngine): dispose leaves that engine alone. */
    private readonly ownsEngine = true,
  ) {}

  /**
   * Serves a model already loaded by someone else: a training run's policy (reinforcement rollouts), whose trainer
   * keeps changing its weights. Each sequence decodes with the weights as they are while it runs (a sequence started
   * after an optimizer step sees that step). `dir` is where its tokenizer and config were read from. Disposing it
   * frees its session and scheduler, not the engine.
   */
  static async overEngine(engine: Model, dir: string, limits: Omit<ServingLimits, 'threads'>, loaded: { tokenizer?: ModelTokenizer } = {}): Promise<ServedModel> {
    const tokenizer = loaded.tokenizer ?? (await loadModelTokenizer(dir));
    const endIds = await endOfSequenceIds(dir, tokenizer);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { max_position_embeddings?: number };
    const maxContext = servingContext(config.max_position_embeddings, limits);
    const session = await engine.createSession({ maxSequences: limits.maxSequences, maxContext });
    return new ServedModel(engine, tokenizer, endIds, detectToolCallFormat(tokenizer), maxContext, new DecodeScheduler(session, limits.maxSequences), 0, false);
  }

  /** Loads a Hugging Face model directory; `tokenizer` reuses one already loaded from it. */
  static async load(dir: string, limits: ServingLimits, loaded: { tokenizer?: ModelTokenizer } = {}): Promise<ServedModel> {
    const tokenizer = loaded.tokenizer ?? (await loadModelTokenizer(dir));
    const endIds = await endOfSequenceIds(dir, tokenizer);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { max_position_embeddings?: number };
    const maxContext = servingContext(config.max_position_embeddings, limits);
    const engine = await Model.load(dir, { threads: limits.threads });
    try {
      const session = await engine.createSession({ maxSequences: limits.maxSequences, maxContext });
      return new ServedModel(engine, tokenizer, endIds, detectToolCallFormat(tokenizer), maxContext, new DecodeScheduler(session, limits.maxSequences));
    } catch (error) {
      engine.dispose();
      throw error;
    }
  }

  /**
   * Serves a saved PEFT LoRA adapter of this base without merging it: the adapter's A/B tensors go into a new slot of
   * the engine, and the model returned decodes in this model's session (batched with every other request on the
   * base) with that slot. It shares the base's tokenizer and chat template. `bytes` is what the slot holds in memory.
   * The engine refuses adapters that carry a grown vocabulary (modules_to_save): serve those merged.
   */
  async addAdapter(adapterDir: string): Promise<{ model: ServedModel; bytes: number }> {
    if (this.loraSlot !== 0) throw new Error('adapters are added to the base model, not to an adapter of it');
    const { slot, bytes } = await this.engine.addLoraSlot(adapterDir);
    return { model: new ServedModel(this.engine, this.tokenizer, this.endOfSequenceIds, this.toolCallFormat, this.maxContext, this.scheduler, slot), bytes };
  }

  /** Whether any request is decoding on it or waiting to. */
  get busy(): boolean {
    const { running, waiting } = this.scheduler.load;
    return running + waiting > 0;
  }

  /** Frees the engine and its session; an adapter's model (addAdapter) frees nothing: it goes with its base. */
  async dispose(): Promise<void> {
    if (this.loraSlot !== 0) return;
    await this.scheduler.dispose();
    if (this.ownsEngine) this.engine.dispose();
  }
}
