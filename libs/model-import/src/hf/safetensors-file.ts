import { open } from 'node:fs/promises';
import { ModelImportError } from '../errors';
import { halfToFloat } from '../gguf/dequantize';

/**
 * safetensors files read without trusting them: the header (size-capped, every tensor's dtype, shape and byte
 * range checked against the file, no overlaps), then one tensor at a time as f32. Used to check a Hugging Face
 * directory before it is registered and to read one when it is written out as GGUF.
 */
export interface SafetensorsEntry {
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  path: string;
  label: string;
  tensors: Map<string, SafetensorsEntry>;
}

const MAX_HEADER_BYTES = 100 << 20;
const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

export async function readSafetensorsHeader(path: string, label: string): Promise<SafetensorsHeader> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size < 8) throw new ModelImportError(label, 'header', `the file has ${size} bytes, fewer than the 8-byte header length`);
    const lengthBytes = Buffer.alloc(8);
    await handle.read(lengthBytes, 0, 8, 0);
    const headerLength = lengthBytes.readBigUInt64LE(0);
    if (headerLength > BigInt(MAX_HEADER_BYTES) || Number(headerLength) > size - 8)
      throw new ModelImportError(label, 'header length', `${headerLength} bytes: more than ${Number(headerLength) > size - 8 ? `the file holds (${size - 8})` : `the most allowed (${MAX_HEADER_BYTES})`}`);
    const headerBytes = Buffer.alloc(Number(headerLength));
    await handle.read(headerBytes, 0, headerBytes.length, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ModelImportError(label, 'header', `not valid JSON (${(error as Error).message})`);
    }
    const dataStart = 8 + Number(headerLength);
    const dataBytes = size - dataStart;
    const tensors = new Map<string, SafetensorsEntry>();
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const field = `tensor ${name}`;
      if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw new ModelImportError(label, `${field}.dtype`, `${JSON.stringify(dtype ?? null)} is not supported (F32, F16, BF16)`);
      if (!Array.isArray(shape) || shape.length > 4 || !shape.every((d) => Number.isInteger(d) && d >= 0))
        throw new ModelImportError(label, `${field}.shape`, `${JSON.stringify(shape ?? null)}: expected up to 4 non-negative integers`);
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1])
        throw new ModelImportError(label, `${field}.data_offsets`, `${JSON.stringify(offsets ?? null)}: expected [begin, end] with 0 <= begin <= end`);
      const expectedBytes = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
      if (offsets[1] - offsets[0] !== expectedBytes)
        throw new ModelImportError(label, `${field}.data_offsets`, `${offsets[1] - offsets[0]} bytes, but ${dtype} [${(shape as number[]).join(', ')}] needs ${expectedBytes}`);
      if (offsets[1] > dataBytes) throw new ModelImportError(label, `${field}.data_offsets`, `end ${offsets[1]} is past the ${dataBytes} data bytes: the file is truncated`);
      tensors.set(name, { dtype: dtype as SafetensorsEntry['dtype'], shape: shape as number[], begin: dataStart + offsets[0], end: dataStart + offsets[1] });
    }
    const spans = [...tensors.entries()].sort((a, b) => a[1].begin - b[1].begin);
    for (let i = 1; i < spans.length; i++)
      if (spans[i][1].begin < spans[i - 1][1].end) throw new ModelImportError(label, `tensor ${spans[i][0]}.data_offsets`, `overlaps tensor ${spans[i - 1][0]}`);
    return { path, label, tensors };
  } finally {
    await handle.close();
  }
}

/** One tensor's values as f32 (f16 and bf16 widened exactly). */
export async function readTensorF32(header: SafetensorsHeader, name: string): Promise<Float32Array> {
  const entry = header.tensors.get(name);
  if (!entry) throw new ModelImportError(header.label, `tensor ${name}`, 'missing');
  const handle = await open(header.path, 'r');
  try {
    const bytes = Buffer.alloc(entry.end - entry.begin);
    await handle.read(bytes, 0, bytes.length, entry.begin);
    if (entry.dtype === 'F32') return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const out = new Float32Array(bytes.length / 2);
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < out.length; i++) {
      const h = bytes.readUInt16LE(i * 2);
      if (entry.dtype === 'BF16') bits[i] = h << 16;
      else out[i] = halfToFloat(h);
    }
    return out;
  } finally {
    await handle.close();
  }
}
