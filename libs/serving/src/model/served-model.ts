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
  ) {}

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

  /** Whether any request is decoding on it or waiting to. */
  get busy(): boolean {
    const { running, waiting } = this.scheduler.load;
    return running + waiting > 0;
  }

  async dispose(): Promise<void> {
    await this.scheduler.dispose();
    this.engine.dispose();
  }
}
