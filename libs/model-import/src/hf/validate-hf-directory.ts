import { loadModelTokenizer, renderChat } from '@tuneforge/datasets';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelImportError } from '../errors';
import { llamaTensors, type LlamaDimensions } from '../llama-tensors';
import { readSafetensorsHeader } from './safetensors-file';

/**
 * Checks a Hugging Face model directory before it is registered, without loading weights: config.json's
 * values within bounds for an architecture the engine runs, every safetensors header (size-capped) with each
 * tensor's dtype, shape and byte range checked against the config and the file, the tokenizer loading, and the
 * chat template rendering a conversation. The first problem is thrown as a ModelImportError naming the file and
 * field; nothing is written.
 */
export interface HfDirectorySummary {
  architecture: string;
  parameters: number;
  files: string[];
}

const ARCHITECTURES: Record<string, { qkvBias: (config: Record<string, unknown>) => boolean; qkNorm?: true }> = {
  LlamaForCausalLM: { qkvBias: (c) => c.attention_bias === true },
  MistralForCausalLM: { qkvBias: () => false },
  Qwen2ForCausalLM: { qkvBias: () => true },
  Qwen3ForCausalLM: { qkvBias: (c) => c.attention_bias === true, qkNorm: true },
};
const LIMITS = { vocab_size: 1 << 20, hidden_size: 65536, intermediate_size: 262144, num_hidden_layers: 512, num_attention_heads: 1024, max_position_embeddings: 1 << 24 };

export async function validateHfDirectory(dir: string): Promise<HfDirectorySummary> {
  const files = (await readdir(dir)).sort();
  const dimensions = await readLlamaDimensions(dir);
  const shards = await safetensorsFiles(dir, files);
  const found = new Map<string, { shape: number[]; file: string }>();
  for (const shard of shards) for (const [name, tensor] of (await readSafetensorsHeader(join(dir, shard), shard)).tensors) {
    if (found.has(name)) throw new ModelImportError(shard, `tensor ${name}`, `also in ${found.get(name)!.file}`);
    found.set(name, { shape: tensor.shape, file: shard });
  }
  let parameters = 0;
  for (const expected of llamaTensors(dimensions)) {
    const tensor = found.get(expected.name);
    if (!tensor) throw new ModelImportError(shards.length === 1 ? shards[0] : 'model.safetensors.index.json', `tensor ${expected.name}`, `missing: the config's ${dimensions.layers} layers need it`);
    if (tensor.shape.length !== expected.shape.length || tensor.shape.some((d, i) => d !== expected.shape[i]))
      throw new ModelImportError(tensor.file, `tensor ${expected.name}.shape`, `[${tensor.shape.join(', ')}], expected [${expected.shape.join(', ')}] from config.json`);
    found.delete(expected.name);
    parameters += expected.shape.reduce((a, b) => a * b, 1);
  }
  // A tied checkpoint may still carry lm_head.weight (transformers writes it sometimes); anything else is unknown.
  if (dimensions.tied) found.delete('lm_head.weight');
  const extra = [...found.entries()].filter(([name]) => !name.endsWith('.rotary_emb.inv_freq'));
  if (extra.length > 0) throw new ModelImportError(extra[0][1].file, `tensor ${extra[0][0]}`, 'not part of the architecture config.json describes');

  await checkTokenizer(dir, files);
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { architectures: string[] };
  return { architecture: config.architectures[0], parameters, files };
}

export async function readLlamaDimensions(dir: string): Promise<LlamaDimensions> {
  const file = 'config.json';
  if (!existsSync(join(dir, file))) throw new ModelImportError(file, 'file', 'missing: a model directory needs config.json');
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ModelImportError(file, 'file', `not valid JSON (${(error as Error).message})`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ModelImportError(file, 'file', 'expected a JSON object');
  const architecture = Array.isArray(config.architectures) ? config.architectures[0] : undefined;
  const family = typeof architecture === 'string' ? ARCHITECTURES[architecture] : undefined;
  if (!family) throw new ModelImportError(file, 'architectures', `${JSON.stringify(architecture ?? null)} is not supported (supported: ${Object.keys(ARCHITECTURES).join(', ')})`);
  const int = (key: keyof typeof LIMITS | 'num_key_value_heads' | 'head_dim', max: number, fallback?: number): number => {
    const value = config[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
      throw new ModelImportError(file, key, `${JSON.stringify(value ?? null)}: expected an integer from 1 to ${max}`);
    return value;
  };
  const hidden = int('hidden_size', LIMITS.hidden_size);
  const heads = int('num_attention_heads', LIMITS.num_attention_heads);
  const kvHeads = int('num_key_value_heads', heads, heads);
  if (heads % kvHeads !== 0) throw new ModelImportError(file, 'num_key_value_heads', `${kvHeads} does not divide num_attention_heads ${heads}`);
  const headDim = int('head_dim', LIMITS.hidden_size, Number.isInteger(hidden / heads) ? hidden / heads : undefined);
  if (headDim % 2 !== 0) throw new ModelImportError(file, 'head_dim', `${headDim}: rotary embeddings need an even head size`);
  if (config.max_position_embeddings !== undefined) int('max_position_embeddings', LIMITS.max_position_embeddings);
  return {
    layers: int('num_hidden_layers', LIMITS.num_hidden_layers),
    hidden,
    intermediate: int('intermediate_size', LIMITS.intermediate_size),
    heads,
    kvHeads,
    headDim,
    vocab: int('vocab_size', LIMITS.vocab_size),
    qkvBias: family.qkvBias(config),
    qkNorm: family.qkNorm === true,
    tied: config.tie_word_embeddings === true,
  };
}

export async function safetensorsFiles(dir: string, files: string[]): Promise<string[]> {
  const index = 'model.safetensors.index.json';
  if (files.includes(index)) {
    let map: unknown;
    try {
      map = (JSON.parse(await readFile(join(dir, index), 'utf8')) as { weight_map?: unknown }).weight_map;
    } catch (error) {
      throw new ModelImportError(index, 'file', `not valid JSON (${(error as Error).message})`);
    }
    if (typeof map !== 'object' || map === null) throw new ModelImportError(index, 'weight_map', 'expected an object of tensor name to shard file');
    const shards = [...new Set(Object.values(map))];
    for (const shard of shards)
      if (typeof shard !== 'string' || !files.includes(shard)) throw new ModelImportError(index, 'weight_map', `names shard ${JSON.stringify(shard)}, which is not among the files`);
    return (shards as string[]).sort();
  }
  if (files.includes('model.safetensors')) return ['model.safetensors'];
  throw new ModelImportError('model.safetensors', 'file', 'missing: a model directory needs model.safetensors (or model.safetensors.index.json and its shards)');
}

async function checkTokenizer(dir: string, files: string[]): Promise<void> {
  if (!files.includes('tokenizer.json')) throw new ModelImportError('tokenizer.json', 'file', 'missing: the platform tokenizes with the model\'s tokenizer.json');
  let tokenizer;
  try {
    tokenizer = await loadModelTokenizer(dir);
    tokenizer.encode('Hello, world! 123');
  } catch (error) {
    throw new ModelImportError('tokenizer.json', 'file', `the tokenizer does not load: ${(error as Error).message}`);
  }
  if (!tokenizer.hasChatTemplate) throw new ModelImportError('tokenizer_config.json', 'chat_template', 'missing: chat models need a chat template (tokenizer_config.json chat_template or chat_template.jinja)');
  try {
    const text = renderChat(tokenizer, [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'Bye' }] as never, undefined, { addGenerationPrompt: true });
    if (!text.includes('Hello!')) throw new Error('the rendered conversation does not contain its messages');
  } catch (error) {
    throw new ModelImportError(files.includes('chat_template.jinja') ? 'chat_template.jinja' : 'tokenizer_config.json', 'chat_template', `does not render a conversation: ${(error as Error).message}`);
  }
}
