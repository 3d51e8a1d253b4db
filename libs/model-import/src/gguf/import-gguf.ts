import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dequantize } from './dequantize';
import { readGgufFile, readTensorBytes } from './gguf-file';
import { rebuildTokenizer } from './gguf-tokenizer';
import { planLlamaLayout, type TensorPlan, unpermuteRotaryRows } from './llama-layout';

export interface GgufImportResult {
  /** The Hugging Face directory written. */
  dir: string;
  architecture: string;
  parameters: number;
  /** Tensor type names in the GGUF and how many tensors had each. */
  sourceTypes: Record<string, number>;
}

/**
 * Turns a Llama-family GGUF file into a Hugging Face model directory the engine (and transformers) loads:
 * config.json and generation_config.json from the metadata, tokenizer.json and tokenizer_config.json (chat
 * template, special tokens) rebuilt from `tokenizer.ggml.*`, and model.safetensors in f32 (every quantized
 * type dequantized, q/k rows put back in Hugging Face's rotary order).
 *
 * Everything is checked before the first tensor is written; tensors are then converted one at a time, so memory
 * holds one tensor. `outDir` should be a fresh directory the caller commits or deletes.
 */
export async function importGguf(path: string, outDir: string, label?: string): Promise<GgufImportResult> {
  const file = await readGgufFile(path, label);
  const tokenizer = rebuildTokenizer(file);
  const layout = planLlamaLayout(file, tokenizer.vocabSize, tokenizer.bosTokenId, tokenizer.eosTokenId);

  await mkdir(outDir, { recursive: true });
  await writeSafetensors(join(outDir, 'model.safetensors'), layout.tensors, async (plan) => {
    const values = dequantize(plan.source.type, await readTensorBytes(file, plan.source), plan.source.elements);
    return plan.unpermuteHeads ? unpermuteRotaryRows(values, plan.unpermuteHeads, plan.shape[1]) : values;
  });
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(join(outDir, 'config.json'), json(layout.config));
  await writeFile(join(outDir, 'generation_config.json'), json({
    ...(tokenizer.bosTokenId !== undefined ? { bos_token_id: tokenizer.bosTokenId } : {}),
    ...(tokenizer.eosTokenId !== undefined ? { eos_token_id: tokenizer.eosTokenId } : {}),
  }));
  await writeFile(join(outDir, 'tokenizer.json'), JSON.stringify(tokenizer.tokenizerJson));
  await writeFile(join(outDir, 'tokenizer_config.json'), json(tokenizer.tokenizerConfig));

  const sourceTypes: Record<string, number> = {};
  for (const t of file.tensors) sourceTypes[t.type.name] = (sourceTypes[t.type.name] ?? 0) + 1;
  return {
    dir: outDir,
    architecture: (layout.config.architectures as string[])[0],
    parameters: layout.tensors.reduce((sum, t) => sum + t.source.elements, 0),
    sourceTypes,
  };
}

/** A safetensors file of f32 tensors, written in plan order: the header first, then each tensor as `produce` returns it. */
async function writeSafetensors(path: string, plans: TensorPlan[], produce: (plan: TensorPlan) => Promise<Float32Array>): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const plan of plans) {
    const bytes = plan.source.elements * 4;
    header[plan.name] = { dtype: 'F32', shape: plan.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (Buffer.byteLength(headerText) % 8)) % 8);
  const headerBytes = Buffer.from(headerText, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));

  const handle = await open(path, 'w');
  try {
    await handle.write(prefix);
    await handle.write(headerBytes);
    for (const plan of plans) {
      const values = await produce(plan);
      await handle.write(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    }
  } finally {
    await handle.close();
  }
}
