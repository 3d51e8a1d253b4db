import { servingContext, type ServingLimits } from '@tuneforge/serving';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { filesBytes, readJsonFile } from './model-files';

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
  return Math.ceil(weights + kvPerToken * servingContext(shape.max_position_embeddings, limits) * limits.maxSequences);
}
