import { detectToolCallFormat, type ChatToolCallFormat } from '@tuneforge/agents';
import { endOfSequenceIds, loadModelTokenizer, type ModelTokenizer } from '@tuneforge/datasets';
import { Model } from '@tuneforge/engine';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DecodeScheduler } from '../generation/decode-scheduler';
import { filesBytes, readJsonFile } from './model-files';

export interface ServingLimits {
  maxSequences: number;
  maxContext: number;
  threads: number;
}

/** The parts of a Hugging Face config.json that size a model in memory. */
interface ModelShape {
  num_hidden_layers?: number;
  num_attention_heads?: number;
  num_key_value_heads?: number;
  hidden_size?: number;
  head_dim?: number;
  max_position_embeddings?: number;
  torch_dtype?: string;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, float16: 2, bfloat16: 2 };
const ENGINE_BYTES_PER_WEIGHT = 4;

/**
 * What loading a model directory will take: the weights as the engine holds them (float32, whatever the files
 * store) and the worst case of its session's KV caches (every slot at full context), so that the memory budget
 * holds under full load.
 */
export async function estimateServingBytes(dir: string, limits: ServingLimits): Promise<number> {
  const shape = await readJsonFile<ModelShape>(join(dir, 'config.json'));
  const weightFiles = (await readdir(dir)).filter((name) => name.endsWith('.safetensors'));
  const stored = await filesBytes(dir, weightFiles);
  const weights = (stored * ENGINE_BYTES_PER_WEIGHT) / (DTYPE_BYTES[shape.torch_dtype ?? 'float32'] ?? ENGINE_BYTES_PER_WEIGHT);
  const heads = shape.num_attention_heads ?? 1;
  const headDim = shape.head_dim ?? Math.floor((shape.hidden_size ?? 0) / heads);
  const kvPerToken = 2 * (shape.num_hidden_layers ?? 0) * (shape.num_key_value_heads ?? heads) * headDim * 4;
  return Math.ceil(weights + kvPerToken * servingContext(shape, limits) * limits.maxSequences);
}

function servingContext(shape: ModelShape, limits: ServingLimits): number {
  return Math.min(limits.maxContext, shape.max_position_embeddings ?? limits.maxContext);
}

/**
 * One model loaded for serving: the engine's weights, a decode session behind the scheduler that batches every
 * request for it, and what serving needs from its files — the tokenizer and chat template, where generation stops
 * (its end-of-sequence ids) and the syntax its template writes tool calls in.
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

  static async load(dir: string, limits: ServingLimits): Promise<ServedModel> {
    const tokenizer = await loadModelTokenizer(dir);
    const endIds = await endOfSequenceIds(dir, tokenizer);
    const shape = await readJsonFile<ModelShape>(join(dir, 'config.json'));
    const maxContext = servingContext(shape, limits);
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
