import { servingContext, type ServingLimits } from '@tuneforge/serving';
import { open, readdir } from 'node:fs/promises';
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

const SAFETENSORS_ELEMENT_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/**
 * What an adapter served as a LoRA slot over its base takes: its tensors as the engine holds them (float32), read
 * from the safetensors header. Its sequences' KV caches are the base session's, already counted with the base.
 */
export async function estimateAdapterBytes(dir: string): Promise<number> {
  const file = await open(join(dir, 'adapter_model.safetensors'), 'r');
  try {
    const length = Buffer.alloc(8);
    await file.read(length, 0, 8, 0);
    const headerBytes = Number(length.readBigUInt64LE(0));
    const header = Buffer.alloc(headerBytes);
    await file.read(header, 0, headerBytes, 8);
    const tensors = JSON.parse(header.toString('utf8')) as Record<string, { dtype?: string; shape?: number[] }>;
    let bytes = 0;
    for (const [name, tensor] of Object.entries(tensors)) {
      if (name === '__metadata__' || !tensor.shape) continue;
      if (!(tensor.dtype && tensor.dtype in SAFETENSORS_ELEMENT_BYTES)) continue;
      bytes += tensor.shape.reduce((n, d) => n * d, 1) * ENGINE_BYTES_PER_WEIGHT;
    }
    return bytes;
  } finally {
    await file.close();
  }
}
