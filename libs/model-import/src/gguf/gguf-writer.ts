import { open } from 'node:fs/promises';

/**
 * Writes a GGUF (version 3) file: metadata, the tensor table, then each tensor's bytes aligned to 32, produced one
 * at a time so memory holds one tensor. The layout mirrors what gguf-file.ts reads.
 */
export type GgufMetadataValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'i32[]'; value: readonly number[] };

export interface GgufTensorToWrite {
  name: string;
  /** Row-major shape (as safetensors spells it); written reversed, as ggml orders dimensions. */
  shape: number[];
  /** ggml type number (0 F32, 1 F16, 8 Q8_0). */
  ggmlType: number;
  byteLength: number;
  produce: () => Promise<Buffer>;
}

const ALIGNMENT = 32;
const VALUE_TYPE = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;

export async function writeGgufFile(path: string, metadata: ReadonlyMap<string, GgufMetadataValue>, tensors: readonly GgufTensorToWrite[]): Promise<void> {
  const parts: Buffer[] = [];
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const u64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b); };
  const str = (s: string) => { const bytes = Buffer.from(s, 'utf8'); u64(bytes.length); parts.push(bytes); };

  parts.push(Buffer.from('GGUF', 'latin1'));
  u32(3);
  u64(tensors.length);
  u64(metadata.size);
  for (const [key, entry] of metadata) {
    str(key);
    switch (entry.type) {
      case 'u32': u32(VALUE_TYPE.u32); u32(entry.value); break;
      case 'i32': { u32(VALUE_TYPE.i32); const b = Buffer.alloc(4); b.writeInt32LE(entry.value); parts.push(b); break; }
      case 'f32': { u32(VALUE_TYPE.f32); const b = Buffer.alloc(4); b.writeFloatLE(entry.value); parts.push(b); break; }
      case 'bool': u32(VALUE_TYPE.bool); parts.push(Buffer.from([entry.value ? 1 : 0])); break;
      case 'string': u32(VALUE_TYPE.string); str(entry.value); break;
      case 'string[]': u32(VALUE_TYPE.array); u32(VALUE_TYPE.string); u64(entry.value.length); for (const s of entry.value) str(s); break;
      case 'i32[]': {
        u32(VALUE_TYPE.array); u32(VALUE_TYPE.i32); u64(entry.value.length);
        const b = Buffer.alloc(entry.value.length * 4);
        entry.value.forEach((v, i) => b.writeInt32LE(v, i * 4));
        parts.push(b);
        break;
      }
    }
  }
  let offset = 0;
  for (const tensor of tensors) {
    str(tensor.name);
    u32(tensor.shape.length);
    for (const d of [...tensor.shape].reverse()) u64(d);
    u32(tensor.ggmlType);
    u64(offset);
    offset += align(tensor.byteLength);
  }
  const head = Buffer.concat(parts);
  const handle = await open(path, 'w');
  try {
    await handle.write(head);
    await handle.write(Buffer.alloc(align(head.length) - head.length));
    for (const tensor of tensors) {
      const bytes = await tensor.produce();
      if (bytes.length !== tensor.byteLength) throw new Error(`tensor ${tensor.name}: produced ${bytes.length} bytes, declared ${tensor.byteLength}`);
      await handle.write(bytes);
      await handle.write(Buffer.alloc(align(bytes.length) - bytes.length));
    }
  } finally {
    await handle.close();
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGNMENT) * ALIGNMENT;
}
