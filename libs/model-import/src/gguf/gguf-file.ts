import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { ModelImportError } from '../errors';
import { GGML_TYPES, type GgmlType, SUPPORTED_GGML_TYPE_NAMES, UNSUPPORTED_GGML_TYPE_NAMES } from './ggml-types';

/**
 * A strict reader of GGUF files (llama.cpp's model format, versions 2 and 3): the header, every metadata value
 * and every tensor's name, shape, type and place, checked against the file before anything is trusted.
 *
 * Hand-written on purpose: the import path takes files from users, so every declared count, length and offset
 * is bounded by the file's real size before it is read (memory stays proportional to what is really there),
 * and each refusal names the field it is about. The npm readers (`@huggingface/gguf`) fetch by range from URLs
 * and report a malformed file as a DataView range error; the Python `gguf` package checks our output in tests.
 */
export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order: the first dimension is the innermost (a matrix is `[columns, rows]`). */
  dims: number[];
  type: GgmlType;
  /** Byte offset in the file (data section start + the tensor's own offset). */
  fileOffset: number;
  byteLength: number;
  elements: number;
}

export interface GgufFile {
  path: string;
  /** The file's name as errors show it. */
  label: string;
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  fileSize: number;
}

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const MAX_TENSORS = 1 << 16;
const MAX_METADATA_ENTRIES = 1 << 16;
const MAX_STRING_BYTES = 16 << 20;
const MAX_ARRAY_ELEMENTS = 16 << 20;
const MAX_DIMS = 4;
const MAX_TENSOR_ELEMENTS = 2 ** 40;
const READ_CHUNK = 1 << 20;

enum ValueType { U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 }
const FIXED_SIZE: Partial<Record<ValueType, number>> = {
  [ValueType.U8]: 1, [ValueType.I8]: 1, [ValueType.U16]: 2, [ValueType.I16]: 2, [ValueType.U32]: 4, [ValueType.I32]: 4,
  [ValueType.F32]: 4, [ValueType.BOOL]: 1, [ValueType.U64]: 8, [ValueType.I64]: 8, [ValueType.F64]: 8,
};

/** Reads the header, metadata and tensor table of `path`; tensor data is read later, one tensor at a time. */
export async function readGgufFile(path: string, label = basename(path)): Promise<GgufFile> {
  const handle = await open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const cursor = new Cursor(handle, fileSize, label);
    return await readStructure(cursor, path, label, fileSize);
  } finally {
    await handle.close();
  }
}

/** The bytes of one tensor as stored (still quantized). */
export async function readTensorBytes(file: GgufFile, tensor: GgufTensorInfo): Promise<Buffer> {
  const handle = await open(file.path, 'r');
  try {
    const bytes = Buffer.alloc(tensor.byteLength);
    const { bytesRead } = await handle.read(bytes, 0, tensor.byteLength, tensor.fileOffset);
    if (bytesRead !== tensor.byteLength)
      throw new ModelImportError(file.label, `tensor ${tensor.name}`, `the file ends inside the tensor's data (it changed while being read)`);
    return bytes;
  } finally {
    await handle.close();
  }
}

async function readStructure(cursor: Cursor, path: string, label: string, fileSize: number): Promise<GgufFile> {
  if (fileSize < 24) throw new ModelImportError(label, 'header', `the file has ${fileSize} bytes, fewer than a GGUF header (24)`);
  const magic = await cursor.u32('header.magic');
  if (magic !== MAGIC) throw new ModelImportError(label, 'header.magic', `not a GGUF file (expected the bytes "GGUF", found 0x${magic.toString(16).padStart(8, '0')})`);
  const version = await cursor.u32('header.version');
  if (version !== 2 && version !== 3) throw new ModelImportError(label, 'header.version', `GGUF version ${version} is not supported (2 or 3)`);
  const tensorCount = await cursor.count('header.tensor_count', MAX_TENSORS);
  const metadataCount = await cursor.count('header.metadata_kv_count', MAX_METADATA_ENTRIES);

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < metadataCount; i++) {
    const key = await cursor.string(`metadata[${i}].key`);
    const field = `metadata "${key}"`;
    if (metadata.has(key)) throw new ModelImportError(label, field, 'the key appears twice');
    const type = await cursor.u32(`${field}.type`);
    metadata.set(key, await readValue(cursor, type, field));
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = await cursor.string(`tensor[${i}].name`);
    const field = `tensor ${name}`;
    if (names.has(name)) throw new ModelImportError(label, field, 'the tensor name appears twice');
    names.add(name);
    const nDims = await cursor.u32(`${field}.n_dims`);
    if (nDims < 1 || nDims > MAX_DIMS) throw new ModelImportError(label, `${field}.n_dims`, `${nDims} dimensions (expected 1 to ${MAX_DIMS})`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(await cursor.count(`${field}.dims[${d}]`, MAX_TENSOR_ELEMENTS));
    const elements = dims.reduce((a, b) => a * b, 1);
    if (elements < 1 || elements > MAX_TENSOR_ELEMENTS)
      throw new ModelImportError(label, `${field}.dims`, `shape [${dims.join(', ')}] has ${elements} elements (expected 1 to 2^40)`);
    const typeNumber = await cursor.u32(`${field}.type`);
    const type = GGML_TYPES.get(typeNumber);
    if (!type) {
      const known = UNSUPPORTED_GGML_TYPE_NAMES.get(typeNumber);
      throw new ModelImportError(label, `${field}.type`,
        `${known ? `quantization type ${known}` : `unknown ggml type ${typeNumber}`} is not supported (supported: ${SUPPORTED_GGML_TYPE_NAMES.join(', ')})`);
    }
    if (dims[0] % type.blockSize !== 0)
      throw new ModelImportError(label, `${field}.dims[0]`, `${dims[0]} is not a multiple of ${type.name}'s block of ${type.blockSize}`);
    const offset = await cursor.count(`${field}.offset`, Number.MAX_SAFE_INTEGER);
    tensors.push({ name, dims, type, fileOffset: offset, elements, byteLength: (elements / type.blockSize) * type.bytesPerBlock });
  }

  const alignment = metadata.get('general.alignment') ?? 32;
  if (typeof alignment !== 'number' || !Number.isInteger(alignment) || alignment < 1 || alignment > 1 << 20 || (alignment & (alignment - 1)) !== 0)
    throw new ModelImportError(label, 'metadata "general.alignment"', `${String(alignment)} is not a power of two up to 2^20`);
  const dataStart = Math.ceil(cursor.position / alignment) * alignment;
  const spans = tensors.map((t) => ({ t, start: t.fileOffset }));
  for (const { t } of spans) {
    if (t.fileOffset % alignment !== 0)
      throw new ModelImportError(label, `tensor ${t.name}.offset`, `${t.fileOffset} is not aligned to ${alignment} bytes`);
    t.fileOffset += dataStart;
    if (t.fileOffset + t.byteLength > fileSize)
      throw new ModelImportError(label, `tensor ${t.name}`,
        `its ${t.byteLength} bytes at offset ${t.fileOffset} end past the end of the file (${fileSize} bytes): the file is truncated or the offset is wrong`);
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const previous = spans[i - 1].t;
    if (previous.fileOffset + previous.byteLength > spans[i].t.fileOffset)
      throw new ModelImportError(label, `tensor ${spans[i].t.name}.offset`, `its data overlaps tensor ${previous.name}'s`);
  }
  return { path, label, version, metadata, tensors, fileSize };
}

async function readValue(cursor: Cursor, type: number, field: string, depth = 0): Promise<GgufValue> {
  switch (type) {
    case ValueType.U8: return cursor.fixed(field, 1, (b, o) => b.readUInt8(o));
    case ValueType.I8: return cursor.fixed(field, 1, (b, o) => b.readInt8(o));
    case ValueType.U16: return cursor.fixed(field, 2, (b, o) => b.readUInt16LE(o));
    case ValueType.I16: return cursor.fixed(field, 2, (b, o) => b.readInt16LE(o));
    case ValueType.U32: return cursor.u32(field);
    case ValueType.I32: return cursor.fixed(field, 4, (b, o) => b.readInt32LE(o));
    case ValueType.F32: return cursor.fixed(field, 4, (b, o) => b.readFloatLE(o));
    case ValueType.F64: return cursor.fixed(field, 8, (b, o) => b.readDoubleLE(o));
    case ValueType.BOOL: {
      const value = await cursor.fixed(field, 1, (b, o) => b.readUInt8(o));
      if (value > 1) throw new ModelImportError(cursor.label, field, `a boolean must be 0 or 1, found ${value}`);
      return value === 1;
    }
    case ValueType.U64: return safeNumber(await cursor.fixed(field, 8, (b, o) => b.readBigUInt64LE(o)));
    case ValueType.I64: return safeNumber(await cursor.fixed(field, 8, (b, o) => b.readBigInt64LE(o)));
    case ValueType.STRING: return cursor.string(field);
    case ValueType.ARRAY: {
      if (depth > 0) throw new ModelImportError(cursor.label, field, 'arrays of arrays are not supported');
      const elementType = await cursor.u32(`${field}.element_type`);
      const count = await cursor.count(`${field}.length`, MAX_ARRAY_ELEMENTS);
      // Every element takes at least its fixed size (a string: its 8-byte length), so the file bounds the count.
      const minimum = FIXED_SIZE[elementType as ValueType] ?? 8;
      if (count * minimum > cursor.remaining)
        throw new ModelImportError(cursor.label, `${field}.length`, `${count} elements cannot fit in the ${cursor.remaining} bytes left in the file`);
      const values: GgufValue[] = new Array(count);
      for (let i = 0; i < count; i++) values[i] = await readValue(cursor, elementType, `${field}[${i}]`, depth + 1);
      return values;
    }
    default:
      throw new ModelImportError(cursor.label, `${field}.type`, `unknown metadata value type ${type} (expected 0 to 12)`);
  }
}

function safeNumber(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

/** Sequential reads through a file handle with a 1 MiB window; every read is checked against the file's size first. */
class Cursor {
  position = 0;
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly fileSize: number,
    readonly label: string,
  ) {}

  get remaining(): number {
    return this.fileSize - this.position;
  }

  async fixed<T>(field: string, size: number, read: (buffer: Buffer, offset: number) => T): Promise<T> {
    await this.ensure(field, size);
    const value = read(this.window, this.position - this.windowStart);
    this.position += size;
    return value;
  }

  u32(field: string): Promise<number> {
    return this.fixed(field, 4, (b, o) => b.readUInt32LE(o));
  }

  /** A u64 count or size, refused above `max`. */
  async count(field: string, max: number): Promise<number> {
    const value = await this.fixed(field, 8, (b, o) => b.readBigUInt64LE(o));
    if (value > BigInt(max)) throw new ModelImportError(this.label, field, `${value} is larger than the most allowed (${max})`);
    return Number(value);
  }

  async string(field: string): Promise<string> {
    const length = await this.count(`${field} length`, MAX_STRING_BYTES);
    if (length > this.remaining)
      throw new ModelImportError(this.label, field, `a string of ${length} bytes cannot fit in the ${this.remaining} bytes left: the file is truncated`);
    return this.fixed(field, length, (b, o) => b.toString('utf8', o, o + length));
  }

  private async ensure(field: string, size: number): Promise<void> {
    if (this.position + size > this.fileSize)
      throw new ModelImportError(this.label, field, `the file ends at byte ${this.fileSize}, inside this field: it is truncated`);
    if (this.position >= this.windowStart && this.position + size <= this.windowStart + this.window.length) return;
    const length = Math.min(Math.max(size, READ_CHUNK), this.fileSize - this.position);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, this.position);
    if (bytesRead < size) throw new ModelImportError(this.label, field, 'the file ended while being read');
    this.window = buffer;
    this.windowStart = this.position;
  }
}
